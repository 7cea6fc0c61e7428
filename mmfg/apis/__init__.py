"""High-level APIs: build a model from config + checkpoint, load a config's
samples, run inference with the config's own test pipeline (part/patch
models with a patch source for new images)."""
from .batch_cam import InferencerCAM, overlay_cam
from .folder import IMAGE_EXTENSIONS  # noqa: F401 (extensions looked for)
from .folder import FolderInference, list_images, open_writer
from .image_io import image_size, read_image
from .inferencer import FGInferencer
from .model import dataset_classes, init_model, load_config, load_weights
from .patch_sources import PATCHES_HELP  # noqa: F401 (the --patches help)
from .patch_sources import (ClassifierBoxes, DetectorBoxes, ExplicitBoxes,
                            PatchSource, ProposalFileBoxes, WholeImageBox,
                            build_patch_source, patch_source_from_args)
from .samples import load_samples

__all__ = [
    'FGInferencer', 'init_model', 'load_config', 'load_weights',
    'dataset_classes', 'load_samples', 'PatchSource', 'ClassifierBoxes',
    'DetectorBoxes', 'ExplicitBoxes', 'ProposalFileBoxes', 'WholeImageBox',
    'build_patch_source', 'patch_source_from_args', 'read_image', 'image_size',
    'list_images', 'FolderInference', 'open_writer', 'InferencerCAM',
    'overlay_cam'
]
