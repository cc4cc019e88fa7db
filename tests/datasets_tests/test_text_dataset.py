import pickle

import pytest

from rechain.datasets import TextDataset
from rechain.iterators import MultiprocessIterator, SerialIterator


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_single_file(tmp_path):
    path = _write(tmp_path / "a.txt", "first\nsecond line\n\nlast")
    with TextDataset(path) as ds:
        assert len(ds) == 4
        assert ds[0] == "first\n"
        assert ds[1] == "second line\n"
        assert ds[2] == "\n"
        assert ds[3] == "last"  # no newline at the end of the file
        assert ds[-1] == "last"
        assert ds[3] == "last" and ds[0] == "first\n"  # random access in any order
        assert ds[1:3] == ["second line\n", "\n"]
        with pytest.raises(IndexError, match="index 4 is out of range for 4 lines"):
            ds[4]


def test_encoding_and_filter(tmp_path):
    path = _write(tmp_path / "l.txt", "caf\u00e9\n\nna\u00efve\n", encoding="latin-1")
    ds = TextDataset(path, encoding="latin-1", filter_func=lambda line: line.strip() != "")
    assert len(ds) == 2
    assert ds[0] == "caf\u00e9\n" and ds[1] == "na\u00efve\n"
    with pytest.raises(UnicodeDecodeError):
        TextDataset(path, encoding="utf-8")
    ds = TextDataset(path, encoding="utf-8", errors="replace")
    assert ds[0] == "caf\ufffd\n"
    ds.close()


def test_several_files(tmp_path):
    src = _write(tmp_path / "src.txt", "a\nb\nc\n")
    dst = _write(tmp_path / "dst.txt", "A\n\nC\n", encoding="utf-16")
    ds = TextDataset([src, dst], encoding=["utf-8", "utf-16"],
                     filter_func=lambda s, d: d.strip() != "")
    assert len(ds) == 2
    assert ds[0] == ("a\n", "A\n") and ds[1] == ("c\n", "C\n")
    with pytest.raises(ValueError, match="encoding has 1 entries but 2 files"):
        TextDataset([src, dst], encoding=["utf-8"])
    short = _write(tmp_path / "short.txt", "x\n")
    with pytest.raises(ValueError, match="different numbers of lines.*short.txt ends after 1"):
        TextDataset([src, short])
    with pytest.raises(ValueError, match="at least one text file"):
        TextDataset([])


def test_pickle_and_processes(tmp_path):
    path = _write(tmp_path / "p.txt", "".join(f"line {i}\n" for i in range(20)))
    ds = TextDataset(path)
    again = pickle.loads(pickle.dumps(ds))
    assert again[7] == "line 7\n" and len(again) == 20
    expected = list(SerialIterator(ds, 5, repeat=False, shuffle=False))
    # Forked workers reopen the file: concurrent seeks never mix lines up.
    with MultiprocessIterator(ds, 5, repeat=False, shuffle=False, n_processes=2) as it:
        assert list(it) == expected
