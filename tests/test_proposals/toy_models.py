"""Tiny classifiers whose class evidence sits in known image regions."""
import torch
import torch.nn as nn


class RegionNet(nn.Module):
    """inputs ``(B, 1, S, S)`` -> logits ``(B, R)``: feature map ``r`` is the
    image times the mask of region ``r`` times ``gains[r]``, average-pooled
    by ``pool`` (a coarse map, like a CNN's last layer); logits and pooled
    features are its global averages. ``extract_feat`` gives the pooled
    features, so the net is also a feature extractor for CS-parts."""

    def __init__(self, size, regions, gains=None, pool=4):
        super().__init__()
        masks = torch.zeros(len(regions), size, size)
        for r, (x1, y1, x2, y2) in enumerate(regions):
            masks[r, y1:y2, x1:x2] = 1
        gains = torch.ones(len(regions)) if gains is None else \
            torch.as_tensor(gains, dtype=torch.float32)
        self.register_buffer('masks', masks * gains[:, None, None])
        self.pool = nn.AvgPool2d(pool)
        # identity 1x1 conv: the CAM / feature layer (grad-cam wants a
        # model with parameters)
        self.features = nn.Conv2d(
            len(regions), len(regions), 1, groups=len(regions), bias=False)
        nn.init.ones_(self.features.weight)

    def maps(self, x):
        return self.features(self.pool(x * self.masks[None]))

    def extract_feat(self, x):
        return self.maps(x).mean(dim=(2, 3))

    def forward(self, x, mode='tensor'):
        return self.extract_feat(x)


def square_image(size, squares, values=None):
    """``(1, 1, size, size)`` float image, 0 with bright squares."""
    img = torch.zeros(1, 1, size, size)
    values = values or [1.] * len(squares)
    for (x1, y1, x2, y2), v in zip(squares, values):
        img[..., y1:y2, x1:x2] = v
    return img
