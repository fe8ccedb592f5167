#!/usr/bin/env python3
"""Assemble a docker-archive image tarball (the `docker save` format) from uncompressed layer
tars and a small JSON spec, without any daemon or registry.

usage: mkimage.py --tag localhost/name:tag --spec spec.json --out image.tar LAYER.tar [LAYER ...]

spec.json holds the OCI/docker image config "config" part: Env, Entrypoint, Cmd, User,
WorkingDir, ExposedPorts, Volumes, Labels. Layers are listed bottom first. The config digest
(= the image ID) depends only on the layer contents and the spec, so a rebuild of identical
inputs gives the same image ID.
"""
import argparse
import hashlib
import io
import json
import os
import tarfile


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def layer_dir(path):
    return os.path.basename(os.path.dirname(os.path.abspath(path)))


def cached_digest(path):
    """sha256 of a layer, cached next to it (<layer>.sha256) and keyed by size+mtime."""
    st = os.stat(path)
    key = f"{st.st_size}:{int(st.st_mtime)}"
    side = path + ".sha256"
    try:
        with open(side) as f:
            k, d = f.read().split()
        if k == key:
            return d
    except (OSError, ValueError):
        pass
    d = sha256_file(path)
    with open(side, "w") as f:
        f.write(f"{key} {d}\n")
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tag", required=True)
    ap.add_argument("--spec", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("layers", nargs="+")
    a = ap.parse_args()

    with open(a.spec) as f:
        spec = json.load(f)
    diff_ids = ["sha256:" + cached_digest(p) for p in a.layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": spec,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "1970-01-01T00:00:00Z",
                     "created_by": f"e2e/images layer {layer_dir(p)}"}
                    for p in a.layers],
    }
    cfg = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    cfg_id = hashlib.sha256(cfg).hexdigest()
    layer_names = [d.split(":", 1)[1] + "/layer.tar" for d in diff_ids]
    manifest = [{"Config": cfg_id + ".json", "RepoTags": [a.tag], "Layers": layer_names}]
    repo, tag = a.tag.rsplit(":", 1)
    repositories = {repo: {tag: diff_ids[-1].split(":", 1)[1]}}

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as t:
        def add_bytes(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
        seen = set()
        for path, name in zip(a.layers, layer_names, strict=True):
            if name in seen:
                continue
            seen.add(name)
            d = tarfile.TarInfo(name.split("/")[0])
            d.type = tarfile.DIRTYPE
            d.mode = 0o755
            t.addfile(d)
            ti = t.gettarinfo(path, arcname=name)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mtime = 0
            with open(path, "rb") as f:
                t.addfile(ti, f)
        add_bytes(cfg_id + ".json", cfg)
        add_bytes("manifest.json", json.dumps(manifest).encode())
        add_bytes("repositories", json.dumps(repositories).encode())
    os.replace(tmp, a.out)
    print("sha256:" + cfg_id)


if __name__ == "__main__":
    main()
