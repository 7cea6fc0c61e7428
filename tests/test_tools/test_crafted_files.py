"""No crafted file runs code at any entry point: every tool that reads a
checkpoint (train --resume, load_from, init_cfg pretrained, test.py, the
demo, publish_model, the model converter) or a pickle proposal file (a
dataset given ``proposal_file=``, tools/proposals/evaluate.py) refuses it
with one ``error:`` line naming the file and what was refused, and the
payload's marker file stays absent. The crafted checkpoints are real
checkpoints of a tiny run with a payload added (see
``tests/crafted_payloads.py``); the real one still works. The demo names an
empty or undecodable input image as such. (A few routes that are library
code rather than a tool run in this process, to keep the file short.)"""
import os.path as osp
import pickle
import re
import runpy

import pytest
import torch

from ..conftest import FASHION_MNIST, REPO, run_tool
from ..crafted_payloads import ReducePayload, crafted_training_checkpoint
from .test_bad_input import error_line
from .test_errors import tiny_config

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')
DEMO = osp.join(REPO, 'demo', 'image_demo.py')
PUBLISH = osp.join(REPO, 'tools', 'misc', 'publish_model.py')
CONVERT = osp.join(REPO, 'tools', 'model_converters', 'torchvision2mmfg.py')
EVALUATE = osp.join(REPO, 'tools', 'proposals', 'evaluate.py')
NOT_DATA = 'holds Python objects that are not data'


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """A real 1-epoch checkpoint of the tiny config (trained in this
    process: the tools' own reading of it is what is tested), the crafted
    files made from it, and the marker every payload would write."""
    from mmengine.config import Config

    from mmfg.engine import FGRunner
    from mmfg.engine.checkpoint import read_checkpoint
    tmp = tmp_path_factory.mktemp('crafted')
    cfg = tiny_config(tmp)
    config = Config.fromfile(cfg)
    config.work_dir = str(tmp / 'work')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        config[loader].persistent_workers = False  # num_workers=0
    FGRunner.from_cfg(config).train()
    real = tmp / 'work' / 'epoch_1.pth'
    marker = tmp / 'marker'
    loaded = read_checkpoint(str(real))
    torch.save(crafted_training_checkpoint(loaded, marker), tmp / 'hub.pth')
    torch.save(
        crafted_training_checkpoint(loaded, marker, where='meta'),
        tmp / 'meta.pth')
    torch.save(
        dict(loaded['state_dict'], x=ReducePayload(marker)),
        tmp / 'reduce.pth')
    (tmp / 'props.pkl').write_bytes(
        pickle.dumps(
            dict(
                version=1, box_format='xyxy', proposals=ReducePayload(marker)),
            protocol=2))
    from PIL import Image
    Image.new('L', (28, 28), 128).save(tmp / 'shirt.png')
    (tmp / 'empty.png').write_bytes(b'')
    (tmp / 'notes.png').write_text('not an image\n')
    return tmp, cfg, real, marker


def refused(proc, marker, *fragments):
    line = error_line(proc)
    assert not marker.exists(), 'a crafted file ran code'
    for fragment in fragments:
        assert fragment in line, line
    return line


def test_checkpoint_entry_points_refuse_the_history_buffer_gadget(files):
    """The gadget (``getattr`` + MMEngine's ``HistoryBuffer.__setstate__``)
    that ran on ``--resume`` under the old allow-list; every route that
    reads a checkpoint refuses it before any of it runs."""
    tmp, cfg, _, marker = files
    hub = str(tmp / 'hub.pth')
    work = ['--work-dir', str(tmp / 'w')]
    what = 'builtins.getattr of ndarray.tofile'
    refused(
        run_tool([TRAIN, cfg, *work, '--resume', hub]), marker, hub, NOT_DATA,
        what)
    refused(
        run_tool([TRAIN, cfg, *work, '--cfg-options', f'load_from={hub}']),
        marker, hub, NOT_DATA, what)
    pretrained = tiny_config(
        tmp, 'pretrained.py', 'model = dict(init_cfg=dict('
        f"type='Pretrained', checkpoint={hub!r}))\n")
    line = refused(run_tool([TRAIN, pretrained, *work]), marker, hub, NOT_DATA)
    assert 'load_from' not in line  # no advice to load it another way
    refused(run_tool([TEST, cfg, hub, *work]), marker, hub, NOT_DATA, what)
    refused(
        run_tool([DEMO, str(tmp / 'shirt.png'), cfg, hub]), marker, hub,
        NOT_DATA, what)


def test_weight_tools_refuse_crafted_files_and_write_nothing(files):
    tmp, _, real, marker = files
    out = tmp / 'tools_out'
    out.mkdir()
    meta = str(tmp / 'meta.pth')
    refused(
        run_tool([PUBLISH, meta, str(out / 'published.pth')]), marker, meta,
        NOT_DATA)
    reduce = str(tmp / 'reduce.pth')
    refused(
        run_tool([CONVERT, reduce, str(out / 'converted.pth')]), marker,
        reduce, NOT_DATA, 'the global posix.system')
    assert list(out.iterdir()) == []  # no output, no temporary file
    # the real checkpoint publishes to a file torch's strict loader reads
    publish = runpy.run_path(PUBLISH)['publish']
    publish(str(real), str(out / 'published.pth'))
    pub = torch.load(out / 'published.pth', weights_only=True)
    assert pub['meta']['epoch'] == 1 and pub['meta']['source'] == 'epoch_1.pth'
    from mmfg.engine.checkpoint import read_checkpoint
    assert set(pub['state_dict']) == set(
        read_checkpoint(str(real))['state_dict'])


def test_pickle_proposal_file_is_refused_by_datasets_and_evaluate(files):
    """``evaluate.py`` as a tool; a dataset given ``proposal_file=`` (what
    every tool building a dataset does) in this process."""
    from mmfg.registry import DATASETS
    from mmfg.utils import DataError
    tmp, cfg, _, marker = files
    props = str(tmp / 'props.pkl')
    says = f'proposal file {props}: refused to unpickle posix.system'
    refused(
        run_tool([EVALUATE, props, '--dataset-config', cfg]), marker, says,
        'JSON')
    with pytest.raises(DataError, match=re.escape(says)):
        DATASETS.build(
            dict(
                type='FashionMNIST',
                data_root=FASHION_MNIST,
                split='test',
                indices=8,
                proposal_file=props,
                pipeline=[]))
    assert not marker.exists()


def test_demo_names_an_empty_or_undecodable_input_image(files):
    """With a test pipeline that loads files (``LoadImageFromFile``, whose
    dataset messages speak of annotations and ``skip_bad_images``): the demo
    on a text file; the inferencer it runs on an empty file."""
    from mmfg.apis import FGInferencer
    from mmfg.utils import DataError
    tmp, cfg, real, _ = files
    loading = tmp / 'loading.py'
    loading.write_text(f'_base_ = [{cfg!r}]\n' + """test_dataloader = dict(
    dataset=dict(pipeline=[dict(type='LoadImageFromFile',
                                color_type='grayscale'),
                           dict(type='PackInputs')]))
""")
    notes = tmp / 'notes.png'
    line = error_line(run_tool([DEMO, str(notes), str(loading), str(real)]))
    assert f'image {notes} (13 bytes' in line, line
    assert 'is not an image file that can be decoded' in line, line
    assert 'annotation' not in line and 'skip_bad_images' not in line
    inferencer = FGInferencer(str(loading), pretrained=str(real))
    with pytest.raises(DataError) as err:
        inferencer(str(tmp / 'empty.png'), show_progress=False)
    assert str(err.value) == (f'image {tmp / "empty.png"} is empty (0 bytes); '
                              'give an image file (PNG, JPEG, ...)')
