#!/usr/bin/env python3
"""Reference pixel values for the decoding tests, read by pydicom (an independent reader).

Usage: pixels_of.py IN.dcm OUT.bin
IN must hold native (uncompressed) pixel data: the tests make it with dcmtk (dcmdjpeg, dcmdjpls,
dcmdrle) or GDCM (gdcmconv --raw) from a compressed file. OUT gets every frame's stored values,
frame by frame, rows, columns, samples interleaved, as little-endian int64 (float64 for float
pixel data). Prints one JSON line: photometric, frames, rows, columns, samples, dtype.
"""
import json
import sys

import numpy as np
import pydicom

ds = pydicom.dcmread(sys.argv[1], force=True)
arr = ds.pixel_array
if ds.PhotometricInterpretation == "PALETTE COLOR":
    from pydicom.pixel_data_handlers.util import apply_color_lut
    arr = apply_color_lut(arr, ds)
frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
floating = arr.dtype.kind == "f"
out = arr.astype("<f8" if floating else "<i8")
with open(sys.argv[2], "wb") as f:
    f.write(out.tobytes(order="C"))
print(json.dumps({
    "photometric": str(ds.PhotometricInterpretation),
    "frames": frames,
    "rows": int(ds.Rows),
    "columns": int(ds.Columns),
    "samples": int(arr.shape[-1]) if ds.PhotometricInterpretation == "PALETTE COLOR" else int(getattr(ds, "SamplesPerPixel", 1)),
    "bitsStored": int(getattr(ds, "BitsStored", ds.BitsAllocated)),
    "dtype": "f8" if floating else "i8",
    "count": int(out.size),
}))
