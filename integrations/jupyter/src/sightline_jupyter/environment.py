"""The image's dimensions: image version, PyTorch and CUDA versions, whether it has more than one GPU.

PyTorch is optional and is never imported into the Jupyter server: importing it costs seconds and
hundreds of megabytes, and touching CUDA in the server process would pin a GPU context there. Instead a
short-lived subprocess of the same interpreter (the image's Python, where the notebooks' torch lives)
prints what it finds; values set in the configuration win over it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

from sightline_jupyter.config import Sightline

logger = logging.getLogger("sightline_jupyter")

PROBE_TIMEOUT_SECONDS = 60.0
# device_count() reads NVML where it can and so does not create a CUDA context.
PROBE = """
import json
try:
    import torch
except Exception:
    print("{}")
else:
    try:
        gpus = torch.cuda.device_count()
    except Exception:
        gpus = 0
    version = getattr(torch, "version", None)
    print(json.dumps({"torch_version": str(torch.__version__), "cuda_version": getattr(version, "cuda", None),
                      "gpu_count": gpus}))
"""

Dimensions = dict[str, str | bool]


async def probe_torch() -> dict[str, Any]:
    """What PyTorch says about itself, or {} when it is absent or does not answer in time."""
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            PROBE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            stdin=asyncio.subprocess.DEVNULL,
        )
    except OSError as error:
        logger.warning("sightline: cannot start the PyTorch probe: %s", error.strerror)
        return {}
    try:
        out, _ = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
        process.kill()
        await process.wait()
        logger.warning("sightline: the PyTorch probe did not answer in %ss", PROBE_TIMEOUT_SECONDS)
        return {}
    try:
        found = json.loads(out.decode() or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _visible_devices() -> int | None:
    devices = os.environ.get("CUDA_VISIBLE_DEVICES")
    if devices is None or not devices.strip():
        return None
    return len([d for d in devices.split(",") if d.strip() and d.strip() != "-1"])


def image_dimensions(config: Sightline, probed: dict[str, Any]) -> Dimensions:
    """The dimensions every event carries (the role is added per user)."""
    dims: Dimensions = {}
    if config.image_version:
        dims["image_version"] = config.image_version
    torch_version = config.torch_version or probed.get("torch_version")
    if isinstance(torch_version, str) and torch_version:
        dims["torch_version"] = torch_version
    cuda_version = config.cuda_version or probed.get("cuda_version")
    if isinstance(cuda_version, str) and cuda_version:
        dims["cuda_version"] = cuda_version
    gpus = probed.get("gpu_count") if isinstance(probed.get("gpu_count"), int) else _visible_devices()
    if config.multi_gpu is not None:
        dims["multi_gpu"] = bool(config.multi_gpu)
    elif gpus is not None:
        dims["multi_gpu"] = gpus > 1
    return dims
