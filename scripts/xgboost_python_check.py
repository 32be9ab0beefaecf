#!/usr/bin/python3
"""Independent check of `ats predict`: loads the saved XGBoost JSON model with Python's own
XGBoost (Debian's python3-xgboost, run with /usr/bin/python3) and predicts on the feature rows
that `ats predict --dump-features` wrote; every probability must equal preds.csv within 1e-6.

Usage: xgboost_python_check.py MODEL_JSON FEATURES_CSV PREDS_CSV
"""
import csv
import sys

import numpy as np
import xgboost as xgb


def main() -> int:
    model_json, features_csv, preds_csv = sys.argv[1:4]
    with open(features_csv, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    times = [r[0] for r in body]
    x = np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in body], dtype=np.float32)
    with open(preds_csv, newline="") as f:
        preds = list(csv.reader(f))[1:]
    if [p[0] for p in preds] != times:
        print("FAIL: preds.csv and the feature dump have different rows")
        return 1
    ours = np.array([float(p[1]) for p in preds])
    booster = xgb.Booster(model_file=model_json)
    theirs = booster.predict(xgb.DMatrix(x, feature_names=header[1:], missing=np.nan))
    diff = np.abs(ours - theirs)
    worst = float(diff.max())
    print(f"{len(ours)} rows, {x.shape[1]} features, max |ats - python xgboost| = {worst:.3g}")
    return 0 if worst <= 1e-6 else 1


if __name__ == "__main__":
    sys.exit(main())
