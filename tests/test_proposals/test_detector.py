"""mmfg.proposals.detector: the detector's test pipeline on in-memory
images and the --pad-split entries (the whole loop runs in
tests/test_tools/test_proposals_tools.py through
tools/proposals/generate.py)."""
import numpy as np
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmfg.proposals.detector import (detector_pipeline, empty_entries,
                                     original_image)


def test_pipeline_loads_from_memory_and_drops_annotations():
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config(
        dict(
            test_dataloader=dict(
                dataset=dict(pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='LoadAnnotations', with_bbox=True),
                    dict(type='Resize', scale=(64, 64), keep_ratio=False),
                    dict(
                        type='PackDetInputs',
                        meta_keys=('img_id', 'ori_shape', 'img_shape',
                                   'scale_factor')),
                ]))))
    with DefaultScope.overwrite_default_scope('mmdet'):
        pipe = detector_pipeline(cfg)
    names = [type(t).__name__ for t in pipe.transforms]
    assert names == ['LoadImageFromNDArray', 'Resize', 'PackDetInputs']
    img = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    out = pipe(dict(img=img, img_id=7))
    assert tuple(out['inputs'].shape) == (3, 64, 64)
    meta = out['data_samples'].metainfo
    assert meta['ori_shape'] == (20, 30) and meta['img_id'] == 7
    # the boxes come back in original pixels: 64/30, 64/20
    np.testing.assert_allclose(meta['scale_factor'], (64 / 30, 64 / 20))


class _Items:
    """A dataset stand-in: idx-style in-memory images, keys by index."""

    def __init__(self, shapes):
        self.infos = [dict(img=np.zeros(s, np.uint8)) for s in shapes]

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, i):
        return dict(self.infos[i], idx=i)

    def proposal_key(self, info):
        return f'images/{info["idx"]}'


def test_empty_entries_and_grey_images():
    ds = _Items([(28, 28), (10, 12), (5, 7, 3)])
    props, sizes = empty_entries(ds, start=1)
    assert list(props) == ['images/1', 'images/2']
    assert all(p.shape == (0, 5) and p.dtype == np.float32
               for p in props.values())
    assert sizes == {'images/1': (10, 12), 'images/2': (5, 7)}
    grey = original_image(ds.get_data_info(0))
    assert grey.shape == (28, 28, 3)
