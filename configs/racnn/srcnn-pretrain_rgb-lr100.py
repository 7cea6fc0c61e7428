# p-RACNN SR pre-training for the 100x100 protocol (Table III): as
# srcnn-pretrain_rgb-lr50.py with the HR patches' images (227x227) bicubic
# down to 100x100 and back up.
#   python tools/train.py configs/racnn/srcnn-pretrain_rgb-lr100.py
_base_ = './srcnn-pretrain_rgb-lr50.py'
train_dataloader = dict(dataset=dict(lr_size=100))
val_dataloader = dict(dataset=dict(lr_size=100))
test_dataloader = val_dataloader
