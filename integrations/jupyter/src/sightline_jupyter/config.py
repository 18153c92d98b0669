"""The extension's settings: `c.Sightline.<name>` in a Jupyter config file, or the environment.

The environment is read here and nowhere else, as each trait's default; a config file or a command-line
option (`--Sightline.server_url=...`) wins over it. Image builders usually set only the environment.
"""

from __future__ import annotations

import os

from traitlets import Bool, Float, Int, List, Unicode, default
from traitlets.config import Configurable


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_bool(name: str) -> bool | None:
    value = os.environ.get(name, "").strip().lower()
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    return None


class Sightline(Configurable):
    """Where to send usage events and what to say about this image."""

    enabled = Bool(True, config=True, help="Send events at all (SIGHTLINE_ENABLED=0 turns the extension off).")
    server_url = Unicode("", config=True, help="Sightline server, e.g. https://analytics.lab (SIGHTLINE_URL).")
    secret_key = Unicode("", config=True, help="The site's secret key, sk_... (SIGHTLINE_KEY).")
    spool_dir = Unicode(
        "",
        config=True,
        help="Keep events here while the server is unreachable and send them later (SIGHTLINE_SPOOL_DIR).",
    )
    flush_interval = Float(5.0, config=True, help="Seconds between batches sent to the server.")

    image_version = Unicode("", config=True, help="The image's version, a dimension (SIGHTLINE_IMAGE_VERSION).")
    torch_version = Unicode("", config=True, help="Overrides the probed PyTorch version (SIGHTLINE_TORCH_VERSION).")
    cuda_version = Unicode("", config=True, help="Overrides the probed CUDA version (SIGHTLINE_CUDA_VERSION).")
    multi_gpu = Bool(
        None, allow_none=True, config=True, help="Overrides the probed multi-GPU flag (SIGHTLINE_MULTI_GPU)."
    )
    probe_torch = Bool(
        True,
        config=True,
        help="Ask PyTorch, in a short-lived subprocess, for its version, CUDA version and GPU count, "
        "where the values above are not set. Nothing is imported into the server process.",
    )

    plugin_paths = List(
        Unicode(),
        config=True,
        help="URL path prefixes of extension pages whose visits are sent as plugin_accessed "
        "(SIGHTLINE_PLUGIN_PATHS, comma-separated), e.g. /tensorboard.",
    )
    role_groups = List(
        Unicode(),
        config=True,
        help="Groups that may be reported as the user's role, in order of precedence (SIGHTLINE_ROLE_GROUPS). "
        "Empty: the user's first group in alphabetical order.",
    )
    default_role = Unicode("", config=True, help="The role of users without groups (SIGHTLINE_ROLE).")

    run_all_min_cells = Int(3, config=True, help="Executions in one burst that count as run-all (start_training).")
    run_all_window_seconds = Float(
        1.0, config=True, help="Longest gap between two executions of one burst, in seconds."
    )
    repeat_window_seconds = Float(
        300.0,
        config=True,
        help="A notebook opened, or a page visited, again by the same user within this time is not sent again.",
    )

    @default("enabled")
    def _enabled(self) -> bool:
        return _env_bool("SIGHTLINE_ENABLED") is not False

    @default("server_url")
    def _server_url(self) -> str:
        return os.environ.get("SIGHTLINE_URL", "")

    @default("secret_key")
    def _secret_key(self) -> str:
        return os.environ.get("SIGHTLINE_KEY", "")

    @default("spool_dir")
    def _spool_dir(self) -> str:
        return os.environ.get("SIGHTLINE_SPOOL_DIR", "")

    @default("image_version")
    def _image_version(self) -> str:
        return os.environ.get("SIGHTLINE_IMAGE_VERSION", "")

    @default("torch_version")
    def _torch_version(self) -> str:
        return os.environ.get("SIGHTLINE_TORCH_VERSION", "")

    @default("cuda_version")
    def _cuda_version(self) -> str:
        return os.environ.get("SIGHTLINE_CUDA_VERSION", "")

    @default("multi_gpu")
    def _multi_gpu(self) -> bool | None:
        return _env_bool("SIGHTLINE_MULTI_GPU")

    @default("plugin_paths")
    def _plugin_paths(self) -> list[str]:
        return _env_list("SIGHTLINE_PLUGIN_PATHS")

    @default("role_groups")
    def _role_groups(self) -> list[str]:
        return _env_list("SIGHTLINE_ROLE_GROUPS")

    @default("default_role")
    def _default_role(self) -> str:
        return os.environ.get("SIGHTLINE_ROLE", "")
