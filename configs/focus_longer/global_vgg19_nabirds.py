# The Focus-Longer global stream alone on NABirds (no paper number for
# NABirds: the paper reports CUB-200-2011 and Stanford Dogs only): VGG19 +
# GAP + one fc on the 448 squash-resized image, the recipe of
# global_vgg19_cub.py with 555 classes. The baseline of
# focus-longer_vgg19_nabirds.py (ground-truth box patch, an oracle) and of
# focus-longer_vgg19_nabirds-proposals.py (weakly supervised patches).
# Only the dataset and the class count differ from global_vgg19_cub.py.
_base_ = './global_vgg19_cub.py'
model = dict(head=dict(num_classes=555))
data_preprocessor = dict(num_classes=555)
train_dataloader = dict(dataset=dict(type='NABirds', data_root='data/nabirds'))
val_dataloader = dict(dataset=dict(type='NABirds', data_root='data/nabirds'))
test_dataloader = val_dataloader
