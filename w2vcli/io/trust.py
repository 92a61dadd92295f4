"""Whom w2v trusts with what it runs or reads back: its cache folder, and the programs it
finds on $PATH.

Loading a library or a cached file runs or believes what is in it, so a folder is trusted
only if we own it and no one else can write to it, and each folder above it is ours or
root's and writable by no one else, or sticky as /tmp is (`trusted_directory`). A missing
cache folder is created with mode 0700 (`private_directory`). Programs are found on
$PATH's absolute entries only (`search_path`): the current folder is not a place to run
programs from.
"""

import os
import stat
from pathlib import Path


def cache_dir() -> Path:
    """$W2V_CACHE_DIR, else $XDG_CACHE_HOME/w2v, else ~/.cache/w2v. A relative
    $XDG_CACHE_HOME is ignored, as the XDG specification says; a relative $W2V_CACHE_DIR
    is refused by `private_directory`: either would be wherever w2v is started."""
    if os.environ.get("W2V_CACHE_DIR"):
        return Path(os.environ["W2V_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "w2v"


def trusted_directory(path) -> str | None:
    """None if only we (and root) can change what `path`, an existing directory, holds;
    else why not, in words for the user. Whoever can write to the directory, or to one
    above it, can put their own code where we would load ours. Both the path as written
    and the one its symbolic links lead to are checked."""
    if not hasattr(os, "geteuid"):
        return f"cannot check who owns {path} on this system"
    written = Path(os.path.abspath(path))
    real = Path(os.path.realpath(path))
    for directory in dict.fromkeys([written, *written.parents, real, *real.parents]):
        try:
            st = os.lstat(directory)
        except OSError as error:
            return f"cannot check {directory} ({error.strerror})"
        if directory == real and not stat.S_ISDIR(st.st_mode):
            return f"{directory} is not a directory"
        # A link cannot be changed, only replaced, which its directory's check covers.
        owners = {os.geteuid()} if directory == real else {os.geteuid(), 0}
        sticky = directory != real and not stat.S_ISLNK(st.st_mode)
        if reason := others_can_write(directory, st, owners, sticky):
            return reason
    return None


def private_directory(path) -> str | None:
    """Create `path` (mode 0700) if it is missing; None if it can be trusted, else why not
    (see `trusted_directory`). A relative path is not trusted: it is where w2v is started."""
    if not os.path.isabs(path):
        return f"{path} is not an absolute path"
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)  # the mode applies to `path` only
    except OSError as error:
        return f"cannot create {path} ({error.strerror})"
    return trusted_directory(path)


def others_can_write(path, st: os.stat_result, owners, sticky=False) -> str | None:
    """Why someone other than `owners` can change `path` (whose lstat is `st`), or None.
    `sticky`: a directory that others may write to, but with the sticky bit, as /tmp, in
    which only an entry's owner can replace it."""
    if st.st_uid not in owners:
        return f"{path} is owned by another user (uid {st.st_uid})"
    mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode) or not mode & 0o022 or (sticky and mode & stat.S_ISVTX):
        return None
    who = "others" if mode & 0o002 else "its group"
    return f"{path} is writable by {who} (mode {mode:04o}; chmod go-w {path})"


def search_path() -> str:
    """$PATH without its empty and relative entries, which name the working directory or
    one under it: what the user's current folder holds is not a program we should run."""
    entries = os.environ.get("PATH", os.defpath).split(os.pathsep)
    return os.pathsep.join(e for e in entries if os.path.isabs(e))
