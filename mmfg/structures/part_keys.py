"""The names of the part-crop fields, defined once for the whole data path
(a leaf module: it imports nothing of mmfg).

1. The pipeline (``PartCrops``) writes ``PART_IMGS`` (K, h, w, C) uint8,
   ``PART_BOXES`` (K, 4) float32 and ``PART_VALID`` (K,) bool into the
   results; ``PackFGInputs`` packs them into the data sample (crops as
   (K, C, h, w) uint8).
2. The data preprocessor (``FGDataPreprocessor``) takes the crops and their
   validity out of the data samples and returns them as batch tensors,
   ``PARTS`` (B, K, C, h, w) float (normalised like the images) and
   ``PART_VALID`` (B, K) bool, next to ``inputs`` and ``data_samples``;
   MMEngine passes them to the model's ``forward`` as keyword arguments of
   the same names. The boxes stay in the data samples (visualisation).
"""

#: the crops: a pipeline results key and a data-sample field
PART_IMGS = 'part_imgs'
#: the crops' boxes ``x1, y1, x2, y2`` in pixels of the packed image
PART_BOXES = 'part_boxes'
#: the crops' validity: a results key, a data-sample field and the batch key
#: (a model keyword) of the (B, K) validity
PART_VALID = 'part_valid'
#: the batch key (a model keyword) of the normalised (B, K, C, h, w) crops
PARTS = 'parts'

__all__ = ['PART_IMGS', 'PART_BOXES', 'PART_VALID', 'PARTS']
