#!/usr/bin/python3
"""The original scripts' approach, measured beside dicom-index by `npm run bench` (section 5).

    /usr/bin/python3 pydicom_peer.py ROOT OUT_PREFIX [--header-only] [--processes N]

Reads every .dcm file under ROOT with pydicom (Debian's python3-pydicom): the whole file and the mean
of its pixel values with numpy (what the original scripts did), or only the header
(stop_before_pixels=True) with --header-only; writes one row per file to OUT_PREFIX.csv and to an
SQLite table in OUT_PREFIX.sqlite. --processes N reads with a multiprocessing pool of N processes
(the original plan's next step; 0: one per core). Prints one JSON line: {"ms": ..., "files": ...}.
"""
import csv
import json
import multiprocessing
import os
import sqlite3
import sys
import time
import warnings

import numpy
import pydicom

KEYWORDS = [
    "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID", "Modality",
    "SliceThickness", "ImageType", "PixelSpacing", "ImagePositionPatient", "ImageOrientationPatient",
    "Rows", "Columns", "BitsAllocated", "RescaleSlope", "RescaleIntercept", "Manufacturer",
    "ConvolutionKernel", "KVP", "SeriesDescription", "StudyDate", "InstanceNumber", "SliceLocation",
]


def text(value):
    if value is None:
        return ""
    if isinstance(value, pydicom.multival.MultiValue):
        return "\\".join(str(v) for v in value)
    return str(value)


def row(path, header_only):
    warnings.simplefilter("ignore")
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=header_only)
        values = [text(ds.get(k)) for k in KEYWORDS]
        mean = "" if header_only else float(numpy.mean(ds.pixel_array))
        return [path, "ok", *values, mean]
    except Exception as e:  # a bad file is a row, as in the original scripts
        return [path, f"error: {type(e).__name__}", *([""] * len(KEYWORDS)), ""]


def row_header(path):
    return row(path, True)


def row_whole(path):
    return row(path, False)


def main():
    warnings.simplefilter("ignore")  # pydicom's warnings on odd UIDs: not measured, not printed
    args = sys.argv[1:]
    root, out = args[0], args[1]
    header_only = "--header-only" in args
    processes = int(args[args.index("--processes") + 1]) if "--processes" in args else None
    t0 = time.perf_counter()
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(".dcm"))
    fn = row_header if header_only else row_whole
    if processes is None:
        rows = [fn(f) for f in files]
    else:
        with multiprocessing.Pool(processes or os.cpu_count()) as pool:
            rows = pool.map(fn, files, chunksize=32)
    columns = ["path", "status", *KEYWORDS, "PixelMean"]
    with open(out + ".csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows(rows)
    if os.path.exists(out + ".sqlite"):
        os.remove(out + ".sqlite")
    db = sqlite3.connect(out + ".sqlite")
    db.execute(f"CREATE TABLE instances ({', '.join(c + ' TEXT' for c in columns)})")
    db.executemany(f"INSERT INTO instances VALUES ({', '.join('?' * len(columns))})", rows)
    db.commit()
    db.close()
    print(json.dumps({"ms": (time.perf_counter() - t0) * 1000, "files": len(files)}))


if __name__ == "__main__":
    main()
