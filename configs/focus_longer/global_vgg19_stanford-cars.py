# The Focus-Longer global stream alone on Stanford Cars (no paper number for
# Stanford Cars: the paper reports CUB-200-2011 and Stanford Dogs only):
# VGG19 + GAP + one fc on the 448 squash-resized image, the recipe of
# global_vgg19_cub.py with 196 classes. The baseline of
# focus-longer_vgg19_stanford-cars.py (ground-truth box patch, an oracle) and
# of focus-longer_vgg19_stanford-cars-proposals.py (weakly supervised
# patches).
# Only the dataset and the class count differ from global_vgg19_cub.py.
_base_ = './global_vgg19_cub.py'
model = dict(head=dict(num_classes=196))
data_preprocessor = dict(num_classes=196)
train_dataloader = dict(
    dataset=dict(type='StanfordCars', data_root='data/stanford_cars'))
val_dataloader = dict(
    dataset=dict(type='StanfordCars', data_root='data/stanford_cars'))
test_dataloader = val_dataloader
