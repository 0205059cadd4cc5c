"""The folder a training run writes its bundle into: one run at a time, only seqgen's own files
touched, and an existing bundle replaced only by a complete new one.

- **Ownership.** ``manifest.json`` lists the files seqgen wrote. A bundle from before manifests is
  recognised by a readable seqgen ``config.json``; its files are then the fixed bundle names.
  Checkpoints (``checkpoints/epochNNN-val*.keras``) and seqgen's temporary files are seqgen's by
  their names. Nothing else in the folder is ever moved or deleted: a user's notes beside a bundle
  survive ``--force``.
- **One run at a time.** A run holds an exclusive ``flock`` on ``.NAME.seqgen-lock`` beside the folder;
  a second run on the same folder is refused at once with one line.
- **Replacing.** ``--force`` trains into a hidden sibling folder. Only when that holds a complete
  bundle are the old bundle's files moved aside, the new ones moved in, and the manifest written
  last; a run that fails, or is killed, leaves the old bundle as it was (a swap cut short by
  ``kill -9`` is rolled back by the next run on the folder).

What a bundle holds and how each file is written is ``bundle``'s job; training is ``training``'s.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from seqgen import bundle as bundles
from seqgen.errors import SeqgenError

MANIFEST = "manifest.json"
# Files a bundle may hold, by fixed name (a pre-manifest bundle owns exactly these).
FIXED_FILES = (bundles.MODEL_FILE, bundles.WEIGHTS_FILE, bundles.VOCAB_FILE, bundles.TOKENIZER_FILE,
               bundles.SENTENCEPIECE_FILE, bundles.CONFIG_FILE, bundles.SPLITS_FILE, bundles.HISTORY_CSV,
               bundles.HISTORY_PNG)
# Files a bundle written today may hold besides those: a manifest lists them.
WRITTEN_FILES = FIXED_FILES + (bundles.READINGS_FILE,)
_CHECKPOINT_NAME = re.compile(r"epoch\d{3,}-val([0-9.]+|nan|inf)\.keras")
# atomic_write's ".NAME.XXXXXXXX.tmp" and save_keras_atomic's ".STEM.PID.tmp.keras"
_TEMPORARY_NAME = re.compile(r"\..+\.tmp(\.keras)?")
_STAGING = ".{name}.seqgen-new-{pid}"
_BACKUP = ".{name}.seqgen-old-{pid}"
_LOCK = ".{name}.seqgen-lock"


class OutputError(SeqgenError):
    """An output folder that cannot be used: not ours, locked, or not writable."""


def _os_error(path: Path, error: OSError) -> OutputError:
    reason = {errno.ENAMETOOLONG: "the name is too long", errno.EROFS: "the file system is read-only",
              errno.ENOTDIR: "a part of the path is a file, not a folder", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full"}.get(error.errno,
                                                                                    error.strerror or str(error))
    return OutputError(f"{path}: cannot write the model bundle here ({reason})")


# ---------------------------------------------------------------------------------------- ownership

def is_checkpoint(relative: str) -> bool:
    parts = relative.split("/")
    return len(parts) == 2 and parts[0] == bundles.CHECKPOINTS and bool(_CHECKPOINT_NAME.fullmatch(parts[1]))


def is_temporary(relative: str) -> bool:
    parts = relative.split("/")
    inside = len(parts) == 1 or (len(parts) == 2 and parts[0] == bundles.CHECKPOINTS)
    return inside and bool(_TEMPORARY_NAME.fullmatch(parts[-1]))


def _walk(folder: Path) -> list[str]:
    """Relative paths of the plain files at the top of ``folder`` and in its ``checkpoints/``."""
    found = [entry.name for entry in folder.iterdir() if entry.is_file() and not entry.is_symlink()]
    checkpoints = folder / bundles.CHECKPOINTS
    if checkpoints.is_dir() and not checkpoints.is_symlink():
        found += [f"{bundles.CHECKPOINTS}/{entry.name}" for entry in checkpoints.iterdir()
                  if entry.is_file() and not entry.is_symlink()]
    return sorted(found)


def read_manifest(folder: Path) -> list[str] | None:
    """The files a bundle's manifest lists, or None when there is no manifest."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
        if not isinstance(files, list) or not all(isinstance(name, str) for name in files):
            raise ValueError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        raise OutputError(f"{path}: damaged manifest; seqgen cannot tell its files from yours, so it will not "
                          f"replace this folder: remove it yourself or choose another --out") from None
    # a manifest can only ever claim plain names inside the bundle, never "../x" or "/etc/x"
    return [name for name in files if _safe_relative(name)]


def _safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and len(parts) <= 2 and all(
        part not in ("", ".", "..") for part in parts)


def write_manifest(folder: Path) -> list[str]:
    """Record every file of the bundle in ``folder`` (the manifest itself included)."""
    files = [name for name in _walk(folder)
             if name in WRITTEN_FILES or is_checkpoint(name) or name == MANIFEST]
    files = sorted(set(files) | {MANIFEST})
    bundles.atomic_write(folder / MANIFEST, json.dumps({"files": files}, indent=1) + "\n")
    return files


def owned_files(folder: Path) -> list[str]:
    """Files in ``folder`` that seqgen wrote and may therefore move or delete.

    Raises:
        OutputError: when the folder holds bundle-named files that no manifest or seqgen config vouches for.
    """
    present = _walk(folder)
    listed = read_manifest(folder)
    if listed is None:
        listed = list(FIXED_FILES) if _is_legacy_bundle(folder) else []
    owned = [name for name in present
             if name in listed or is_checkpoint(name) or is_temporary(name)]
    strangers = [name for name in present if name in FIXED_FILES and name not in owned]
    if strangers:
        raise OutputError(f"{folder} holds {', '.join(strangers)}, which seqgen did not write (it is not a "
                          f"seqgen model bundle); refusing to replace it: choose another --out")
    return owned


def _is_legacy_bundle(folder: Path) -> bool:
    try:
        bundles.read_config(folder)
    except SeqgenError:
        return False
    return True


def holds_bundle(folder: Path) -> bool:
    """Whether ``folder`` holds a seqgen bundle (with or without a manifest)."""
    return folder.is_dir() and ((folder / MANIFEST).is_file() or _is_legacy_bundle(folder))


def remove_temporaries(folder: Path) -> None:
    """Delete temporary files left by a killed run (``atomic_write`` and checkpoint saves)."""
    if folder.is_dir():
        for name in _walk(folder):
            if is_temporary(name):
                (folder / name).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------- locking

@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the run lock of ``folder``; refuse at once if another run holds it."""
    lock_path = folder.parent / _LOCK.format(name=folder.name)
    while True:
        try:
            handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise _os_error(folder, error) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise OutputError(f"{folder} is in use by another seqgen run (training or resuming); wait for it "
                              f"to finish or choose another --out") from None
        # the previous holder may have removed the lock file between our open and our flock
        try:
            same = os.fstat(handle).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(handle)
    try:
        yield
    finally:
        lock_path.unlink(missing_ok=True)
        os.close(handle)


# ---------------------------------------------------------------------------------------- claiming

@dataclass
class Claim:
    """Where a run writes (``path``) and how its result reaches ``out`` when it is done."""

    out: Path
    path: Path
    mode: str                   # "new", "replace" or "resume"
    created: bool = False       # "new": the run made ``out`` itself
    committed: bool = False

    def commit(self) -> None:
        """Make the run's bundle the one in ``out``: write its manifest, swap it in if staged."""
        if self.committed:
            return
        if self.mode == "replace":
            _swap_in(self.path, self.out)
        else:
            write_manifest(self.out)
        self.committed = True

    def abandon(self) -> None:
        """Undo a run that produced no usable bundle; an old bundle in ``out`` is untouched."""
        if self.committed:
            return
        if self.mode == "replace":
            shutil.rmtree(self.path, ignore_errors=True)
        elif self.mode == "new":
            _remove_new(self.out, self.created)


def _remove_new(out: Path, created: bool) -> None:
    if not out.is_dir():
        return
    for name in _walk(out):
        if name in FIXED_FILES or is_checkpoint(name) or is_temporary(name) or name == MANIFEST:
            (out / name).unlink(missing_ok=True)
    for folder in (out / bundles.CHECKPOINTS, out) if created else (out / bundles.CHECKPOINTS,):
        try:
            folder.rmdir()  # only when empty: never a folder holding someone else's file
        except OSError:
            pass


@contextmanager
def claim(out: Path, resume: bool, force: bool) -> Iterator[Claim]:
    """Lock ``out`` and decide where the run writes; commit or undo when the block ends.

    The block calls ``claim.commit()`` once its bundle is complete (or usable, for an interrupted
    run); leaving the block without a commit undoes the run's files (``abandon``).

    Raises:
        OutputError: folder in use, not a bundle, not writable, or the flags don't fit what is there.
    """
    out = Path(out)
    _check_path(out)
    with locked(out):
        _recover(out)
        current = _claim(out, resume, force)
        try:
            yield current
        finally:
            if not current.committed:
                current.abandon()


def _check_path(out: Path) -> None:
    if out.is_symlink():
        raise OutputError(f"{out} is a symbolic link; give the real folder it points to as --out")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; --out must be a folder")
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _os_error(out, error) from None
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{out}: cannot write the model bundle here (the folder {parent} is not writable)")


def _claim(out: Path, resume: bool, force: bool) -> Claim:
    if resume and force:
        raise OutputError("--resume and --force contradict each other: pick one")
    has_bundle = holds_bundle(out)
    if resume:
        if not has_bundle and (out / bundles.CONFIG_FILE).is_file():
            bundles.read_config(out)  # a damaged bundle: say what is wrong with it, not "no bundle"
        if not has_bundle:
            raise OutputError(f"{out}: nothing to resume (no bundle there)")
        owned_files(out)  # refuses a folder with bundle files seqgen did not write
        remove_temporaries(out)
        return Claim(out, out, "resume")
    if has_bundle and not force:
        raise OutputError(f"{out} already holds a model; use --resume to continue it or --force to replace it")
    if has_bundle:
        owned_files(out)
        remove_temporaries(out)
        staging = out.parent / _STAGING.format(name=out.name, pid=os.getpid())
        shutil.rmtree(staging, ignore_errors=True)
        return Claim(out, staging, "replace")
    return _claim_fresh(out, force)


def _claim_fresh(out: Path, force: bool) -> Claim:
    created = not out.exists()
    if not created:
        owned_files(out)  # bundle-named files with no bundle: someone else's; refuse
        others = [entry.name for entry in out.iterdir()]
        if others and not force:
            raise OutputError(f"{out} is not empty and holds no seqgen model; choose an empty or new --out, "
                              f"or pass --force to add a bundle beside its files (they are kept)")
    try:
        out.mkdir(exist_ok=True)
        probe = out / f".seqgen-write-probe-{os.getpid()}.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise _os_error(out, error) from None
    return Claim(out, out, "new", created=created)


# ---------------------------------------------------------------------------------------- swapping

def _swap_in(staging: Path, out: Path) -> None:
    """Move the old bundle's files aside, the new ones in, write the manifest, drop the old files.

    The manifest is written last: a swap cut short leaves ``out`` without one, which ``_recover``
    reads as "roll back".
    """
    backup = out.parent / _BACKUP.format(name=out.name, pid=os.getpid())
    old = owned_files(out)
    new = [name for name in _walk(staging) if not is_temporary(name)]
    moves: list[tuple[Path, Path]] = []
    try:
        for name in [MANIFEST, *[name for name in old if name != MANIFEST]]:  # manifest first, see above
            if name in old:
                moves.append(_move(out / name, backup / name))
        for name in new:
            if name != MANIFEST:
                moves.append(_move(staging / name, out / name))
        write_manifest(out)
    except OSError as error:
        for source, target in reversed(moves):
            os.renames(target, source)
        raise _os_error(out, error) from None
    shutil.rmtree(backup, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


def _move(source: Path, target: Path) -> tuple[Path, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    return source, target


def _recover(out: Path) -> None:
    """Finish what a killed run left beside ``out``: roll back a half-done swap, drop staging folders."""
    parent = out.parent
    if not parent.is_dir():
        return
    for backup in parent.glob(_BACKUP.format(name=glob_escape(out.name), pid="*")):
        if not (out / MANIFEST).is_file():
            for name in _walk(backup):
                _move(backup / name, out / name)
            # files of the new bundle that had already moved in, and that the old one lacked
            old_files = read_manifest(out)
            for name in _walk(out) if old_files is not None else ():
                if (name in FIXED_FILES or is_checkpoint(name)) and name not in old_files:
                    (out / name).unlink()
        shutil.rmtree(backup, ignore_errors=True)
    for staging in parent.glob(_STAGING.format(name=glob_escape(out.name), pid="*")):
        shutil.rmtree(staging, ignore_errors=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)
