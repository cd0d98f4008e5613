"""The model file of ``taskloom predict``: a header that says what it is, then the model.

Layout: the line ``TASKLOOM-PREDICTOR 1``, one line of JSON (target, encoding, cut-off,
scikit-learn version), then the joblib pickle of the ``Predictor``. Loading checks the
header before anything is unpickled, so a file of another kind is refused with one line.
Unpickling runs code from the file: load only model files you (or your colleagues) made.
"""

from __future__ import annotations

import io
import json
from typing import Any

from taskloom.mining.errors import LogInputError
from taskloom.mining.prediction.predictor import Predictor

MAGIC = b"TASKLOOM-PREDICTOR 1\n"


def model_to_bytes(model: Predictor) -> bytes:
    """The file content for `model`."""
    import joblib
    import sklearn

    meta = {"target": model.target, "kind": model.kind, "encoding": model.vocab.encoding,
            "cutoff": model.cutoff, "sklearn": sklearn.__version__}
    buf = io.BytesIO()
    buf.write(MAGIC)
    buf.write(json.dumps(meta).encode() + b"\n")
    joblib.dump(model, buf, compress=3)
    return buf.getvalue()


def read_header(data: bytes) -> dict[str, Any]:
    """The JSON header of a model file, or LogInputError when it is not one."""
    if not data.startswith(MAGIC):
        raise LogInputError("not a taskloom prediction model (no TASKLOOM-PREDICTOR header); "
                            "make one with `taskloom predict train LOG --target ... -o model.joblib`")
    end = data.find(b"\n", len(MAGIC))
    try:
        meta = json.loads(data[len(MAGIC):end])
    except ValueError:
        raise LogInputError("damaged taskloom model file (unreadable header)") from None
    return dict(meta)


def model_from_bytes(data: bytes) -> Predictor:
    """The model in a file's content (header checked first)."""
    import joblib

    read_header(data)
    end = data.find(b"\n", len(MAGIC))
    try:
        model = joblib.load(io.BytesIO(data[end + 1:]))
    except Exception as exc:  # a truncated or foreign pickle: many exception types
        raise LogInputError(f"damaged taskloom model file ({type(exc).__name__})") from None
    if not isinstance(model, Predictor):
        raise LogInputError("the file's header says taskloom model, but it holds something else")
    return model
