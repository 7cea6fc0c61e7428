"""Every relative link of every tracked Markdown file resolves to a tracked
file or folder of the repository (anchors and external links are not
followed)."""
import os.path as osp
import re
import subprocess

from .conftest import REPO

LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
EXTERNAL = ('http://', 'https://', 'mailto:', '#')


def tracked_markdown():
    return subprocess.run(['git', 'ls-files', '*.md'],
                          cwd=REPO,
                          capture_output=True,
                          text=True,
                          check=True).stdout.split()


def relative_links(text):
    text = re.sub(r'```.*?```', '', text, flags=re.S)  # code blocks
    for target in LINK.findall(text):
        if not target.startswith(EXTERNAL):
            yield target.split('#')[0]


def test_relative_markdown_links_resolve():
    broken = []
    for md in tracked_markdown():
        with open(osp.join(REPO, md), encoding='utf-8') as f:
            text = f.read()
        for target in relative_links(text):
            path = osp.normpath(osp.join(REPO, osp.dirname(md), target))
            if not path.startswith(REPO) or not osp.exists(path):
                broken.append(f'{md}: {target}')
    assert broken == []


def test_the_checker_sees_a_broken_link():
    links = list(
        relative_links('see [a](x/y.md#s), [b](https://e.org), '
                       '![c](img.png)\n```\n[d](in_code.md)\n```'))
    assert links == ['x/y.md', 'img.png']
