"""Every common mistake ends the real tool (a subprocess) with one
``error: ...`` line saying what is wrong, where and how to fix it, and exit
status 1 (see docs/troubleshooting.md). ``test_bad_input.py``
holds the earlier ones (missing files, unknown registry type, --amp)."""
import os.path as osp

import pytest
import torch

from ..conftest import BASELINE_CFG, REPO, run_tool
from .test_bad_input import error_line

TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')


def tiny_config(tmp_path, name='tiny.py', extra=''):
    """The real baseline on 128 train / 64 val Fashion-MNIST images, one
    epoch, in-process data loading."""
    path = tmp_path / name
    path.write_text(f"""_base_ = [{BASELINE_CFG!r}]
train_dataloader = dict(batch_size=32, num_workers=0,
                        dataset=dict(indices=128))
val_dataloader = dict(num_workers=0, dataset=dict(indices=64))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=1)
default_hooks = dict(logger=dict(interval=1))
""" + extra)
    return str(path)


def train(tmp_path, *options, cfg=None, env=None):
    cfg = cfg or tiny_config(tmp_path)
    args = [TRAIN, cfg, '--work-dir', str(tmp_path / 'work')]
    if options:
        args += ['--cfg-options', *options]
    return run_tool(args, env=env)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A real training checkpoint of the tiny config."""
    tmp = tmp_path_factory.mktemp('trained')
    proc = train(tmp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / 'work' / 'epoch_1.pth'


# --------------------------------------------------------------------------
# config keys
# --------------------------------------------------------------------------
def test_unknown_config_key(tmp_path):
    line = error_line(train(tmp_path, 'model.backbone.foo=1'))
    assert line == ("error: config key model.backbone.foo: LeNet5 does not "
                    "take an argument 'foo'; LeNet5 takes: num_classes")


def test_misspelled_config_key_suggests_the_right_one(tmp_path):
    line = error_line(train(tmp_path, 'optim_wrapper.optimizer.lrr=0.1'))
    assert 'config key optim_wrapper.optimizer.lrr' in line
    assert "SGD does not take an argument 'lrr'" in line
    assert "did you mean 'lr' (optim_wrapper.optimizer.lr)?" in line
    assert 'momentum' in line  # the arguments it takes


def test_misspelled_top_level_key(tmp_path):
    line = error_line(train(tmp_path, 'trian_cfg.max_epochs=1'))
    assert "the config has no key 'trian_cfg'" in line
    assert "did you mean 'train_cfg'?" in line


# --------------------------------------------------------------------------
# class count
# --------------------------------------------------------------------------
def test_class_count_mismatch_before_training(tmp_path):
    proc = train(tmp_path, 'model.backbone.num_classes=5')
    line = error_line(proc)
    assert line.startswith(
        'error: class count mismatch: the model predicts 5 classes '
        '(model.backbone.num_classes=5) but train_dataloader.dataset '
        '(FashionMNIST) has 10 classes (labels 0..9 in its annotation); '
        'set model.backbone.num_classes=10')
    assert 'Epoch(train)' not in proc.stdout + proc.stderr  # before iter 1


def test_label_out_of_range_without_the_check(tmp_path):
    """The safety net when the class count cannot be read before training
    (here: the check switched off): CrossEntropy's IndexError at the first
    iteration becomes one line."""
    line = error_line(
        train(tmp_path, 'model.backbone.num_classes=5',
              'check_class_count=False'))
    assert 'of the training data is out of the range of the model' in line
    assert 'set the num_classes of its head (or backbone)' in line


# --------------------------------------------------------------------------
# checkpoints
# --------------------------------------------------------------------------
def test_truncated_checkpoint(trained, tmp_path):
    data = trained.read_bytes()
    bad = tmp_path / 'truncated.pth'
    bad.write_bytes(data[:len(data) // 2])
    line = error_line(run_tool([TEST, tiny_config(tmp_path), str(bad)]))
    assert f'checkpoint {bad} is truncated' in line
    assert 'use an earlier checkpoint' in line


def test_not_a_checkpoint(tmp_path):
    bad = tmp_path / 'notes.pth'
    bad.write_text('these are my notes')
    line = error_line(run_tool([TEST, tiny_config(tmp_path), str(bad)]))
    assert f'checkpoint {bad} is not a PyTorch checkpoint' in line


def detector_checkpoint(path):
    """A real MMDetection RPN (ResNet-18 + FPN) training checkpoint."""
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    from mmengine.config import Config
    register_all_modules(init_default_scope=False)
    base = osp.join(osp.dirname(path), 'rpn_r18.py')
    with open(base, 'w') as f:
        f.write("_base_ = 'mmdet::rpn/rpn_r50_fpn_1x_coco.py'\n")
    cfg = Config.fromfile(base)
    cfg.model.backbone.update(depth=18, init_cfg=None)
    cfg.model.neck.in_channels = [64, 128, 256, 512]
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    torch.save(
        dict(
            meta=dict(epoch=12, iter=1000, cfg=cfg.pretty_text),
            state_dict=model.state_dict()), path)


def test_detector_checkpoint_given_to_classifier(tmp_path):
    ckpt = tmp_path / 'rpn_r18.pth'
    detector_checkpoint(ckpt)
    line = error_line(run_tool([TEST, tiny_config(tmp_path), str(ckpt)]))
    assert f'checkpoint {ckpt} does not fit this ImageClassifier' in line
    assert 'an MMEngine training checkpoint (model RPN, epoch 12' in line
    assert 'backbone.*, neck.*, bbox_head.*' in line
    assert 'a detector or another model cannot be loaded here' in line


def test_checkpoint_of_another_class_count(trained, tmp_path):
    proc = run_tool([
        TEST,
        tiny_config(tmp_path),
        str(trained), '--cfg-options', 'model.backbone.num_classes=5'
    ])
    line = error_line(proc)
    assert f'checkpoint {trained} does not fit the model' in line
    assert ('backbone.classifier.2.weight has shape (10, 84) in the '
            'checkpoint but (5, 84) in the model') in line


def test_training_checkpoint_as_pretrained_weights(trained, tmp_path):
    proc = train(tmp_path, 'model.init_cfg.type=Pretrained',
                 f'model.init_cfg.checkpoint={trained}')
    line = error_line(proc)
    assert line.startswith(f'error: model.init_cfg.checkpoint: checkpoint '
                           f'{trained} holds an MMEngine training checkpoint')
    assert f'load_from={str(trained)!r}' in line


def test_plain_weights_given_to_resume(trained, tmp_path):
    from mmfg.engine import checkpoint_safe_globals
    with checkpoint_safe_globals():
        weights = torch.load(trained)['state_dict']
    plain = tmp_path / 'weights.pth'
    torch.save(weights, plain)
    proc = run_tool([
        TRAIN,
        tiny_config(tmp_path), '--work-dir',
        str(tmp_path / 'w'), '--resume',
        str(plain)
    ])
    line = error_line(proc)
    assert f'--resume {plain}: the file holds no training state' in line
    assert f'load_from={plain}' in line


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
@pytest.fixture
def cub_with_bad_image(tmp_path):
    from mmfg.testing.fgvc_fixtures import make_cub200
    info = make_cub200(str(tmp_path / 'data'), num_classes=3)
    bad = info['splits']['train'][2]['img_path']
    with open(bad, 'wb') as f:
        f.write(b'\xff\xd8\xff\xe0 not really a jpeg' + bytes(64))
    cfg = tmp_path / 'cub.py'
    cfg.write_text(f"""_base_ = [{BASELINE_CFG!r}]
model = dict(backbone=dict(num_classes=3))
data_preprocessor = dict(num_classes=3)
pipeline = [dict(type='LoadImageFromFile', color_type='grayscale'),
            dict(type='Resize', scale=(32, 32)), dict(type='PackInputs')]
train_dataloader = dict(batch_size=2, num_workers=1, dataset=dict(
    _delete_=True, type='CUB', data_root={info['data_root']!r},
    split='train', pipeline=pipeline))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = None
test_cfg = None
test_evaluator = None
train_cfg = dict(max_epochs=2, val_interval=100)
default_hooks = dict(logger=dict(interval=1))
""")
    return str(cfg), bad, info['data_root']


def test_undecodable_image(cub_with_bad_image, tmp_path):
    cfg, bad, root = cub_with_bad_image
    line = error_line(train(tmp_path, cfg=cfg))
    assert line.startswith(f'error: image {bad} of dataset CUB ({root}) (')
    assert 'cannot be decoded as an image' in line
    assert 'skip_bad_images=True' in line


def test_skip_bad_images_counts_and_reports(cub_with_bad_image, tmp_path):
    cfg, bad, _ = cub_with_bad_image
    proc = train(tmp_path, 'skip_bad_images=True', cfg=cfg)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert f'skip_bad_images: skipped image {bad}' in log
    assert 'skipped in epoch 1' in log and 'skipped in this run' in log
    assert osp.isfile(tmp_path / 'work' / 'epoch_2.pth')


def test_proposal_file_of_another_dataset(tmp_path):
    from mmfg.datasets.proposals import dump_proposal_file
    props = tmp_path / 'cub_proposals.json'
    dump_proposal_file(
        str(props),
        {'images/001.Black_footed_Albatross/a.jpg': [[0, 0, 5, 5, 1.0]]})
    line = error_line(
        train(tmp_path, f'train_dataloader.dataset.proposal_file={props}'))
    assert f'proposal file {props} does not match the dataset' in line
    assert 'train-images-idx3-ubyte/' in line  # the keys it expected


# --------------------------------------------------------------------------
# during training
# --------------------------------------------------------------------------
def test_nan_loss_stops_with_iteration_and_last_finite_loss(tmp_path):
    proc = train(tmp_path, 'optim_wrapper.optimizer.lr=1e30')
    line = error_line(proc)
    assert 'error: the training loss became nan at iteration' in line
    assert 'the last finite loss was' in line
    assert 'Lower the learning rate (optim_wrapper.optimizer.lr, now 1e+30)' \
        in line


def test_debug_shows_the_traceback(tmp_path):
    proc = train(tmp_path, 'model.backbone.foo=1', env={'MMFG_DEBUG': '1'})
    assert proc.returncode == 1
    assert 'Traceback' in proc.stderr and 'ConfigError' in proc.stderr


def test_worker_error_message_is_unwrapped():
    """An error raised in a DataLoader worker comes back wrapped in the
    worker's traceback; the one-line message is the original one."""
    from torch.utils.data import DataLoader, Dataset

    from mmfg.utils import DataError, user_message

    class Bad(Dataset):

        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise DataError('image x.jpg of dataset CUB cannot be decoded')

    with pytest.raises(DataError) as info:
        next(iter(DataLoader(Bad(), num_workers=1)))
    assert user_message(info.value) == \
        'image x.jpg of dataset CUB cannot be decoded'
