"""Pseudo-box COCO json: loads in mmdet's CocoDataset with the boxes
written."""
import json

import mmcv
import numpy as np

from mmfg.proposals import boxes_to_coco
from mmfg.proposals.coco import dump_coco


def test_coco_json_loads_in_mmdet_coco_dataset(tmp_path):
    from mmdet.datasets import CocoDataset
    records = []
    boxes = {
        'a/0': np.array([[1, 2, 11, 22, .9], [0, 0, 5, 5, .1]]),
        'a/1': np.array([[10, 10, 30, 40, 1.]]),
    }
    for key, b in boxes.items():
        mmcv.imwrite(
            np.zeros((48, 64), np.uint8), str(tmp_path / 'img' / f'{key}.png'))
        records.append(
            dict(
                file_name=f'{key}.png', key=key, height=48, width=64, boxes=b))
    coco = boxes_to_coco(records)
    assert coco['categories'] == [{'id': 1, 'name': 'part'}]
    assert coco['annotations'][0]['bbox'] == [1, 2, 10, 20]
    assert coco['annotations'][0]['area'] == 200
    path = str(tmp_path / 'pseudo.json')
    dump_coco(path, coco)
    ds = CocoDataset(
        ann_file=path,
        data_root=str(tmp_path),
        data_prefix=dict(img='img/'),
        metainfo=dict(classes=('part', )),
        pipeline=[],
        filter_cfg=None)
    assert len(ds) == 2
    for i, key in enumerate(boxes):
        info = ds.get_data_info(i)
        assert info['img_path'] == str(tmp_path / 'img' / f'{key}.png')
        assert (info['height'], info['width']) == (48, 64)
        got = np.array([inst['bbox'] for inst in info['instances']])
        np.testing.assert_allclose(got, boxes[key][:, :4])
        assert all(inst['bbox_label'] == 0 for inst in info['instances'])
    with open(path) as f:
        assert json.load(f)['images'][1]['img_key'] == 'a/1'
