"""Data structures shared by the data pipeline and the models: the names of
the part-crop fields (:mod:`.part_keys`)."""
from .part_keys import PART_BOXES, PART_IMGS, PART_VALID, PARTS

__all__ = ['PART_IMGS', 'PART_BOXES', 'PART_VALID', 'PARTS']
