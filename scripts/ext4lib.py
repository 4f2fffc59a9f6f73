"""Shared pieces of the ext4 image tools (ext4-verify, ext4-fuzz-images):
e2fsprogs found, debugfs run read-only, an image's tree walked.

  tool(name)              the path of an e2fsprogs program
  debugfs(image, cmds)    run debugfs commands: {command: output}
  quote(path)             a path as one debugfs argument
  walk(image, top)        [(path, inode, mode, uid, gid)] under top
  device_numbers(image, paths)   {path: (major, minor)}
"""
import shutil
import stat
import subprocess
import sys
import tempfile


def tool(name):
    """A path for an e2fsprogs tool (in /sbin for non-root PATHs)."""
    found = shutil.which(name) or shutil.which(
        name, path='/sbin:/usr/sbin')
    if not found:
        sys.exit('ext4 tools: %s not found (apt install e2fsprogs)' % name)
    return found


def debugfs(image, commands):
    """Run debugfs commands (read-only); returns {command: output text}.
    With -f, debugfs echoes each command as "debugfs: CMD" before its
    output."""
    with tempfile.NamedTemporaryFile('w', suffix='.cmds') as f:
        for c in commands:
            f.write(c + '\n')
        f.flush()
        p = subprocess.run([tool('debugfs'), '-f', f.name, image],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, cur = {}, None
    for line in p.stdout.decode('utf-8', 'surrogateescape').split('\n'):
        if line.startswith('debugfs: ') and line[9:] in commands:
            cur = line[9:]
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return {k: '\n'.join(v) for k, v in out.items()}


def quote(path):
    """A path as a debugfs argument (quoted: names may hold spaces)."""
    return '"%s"' % path.replace('\\', '\\\\').replace('"', '\\"')


def walk(image, top):
    """Every entry under top: [(path relative to top, inode, mode, uid,
    gid)], breadth first, through `ls -p` (/ino/mode/uid/gid/name/size/
    lines; device entries have "maj, min" where the size is)."""
    entries, level = [], ['']
    while level:
        cmds = {}
        for rel in level:
            path = top.rstrip('/') + ('/' + rel if rel else '')
            cmds['ls -p ' + quote(path or '/')] = rel
        out = debugfs(image, list(cmds))
        level = []
        for cmd, rel in cmds.items():
            for line in out.get(cmd, '').split('\n'):
                if not line.startswith('/') or line.count('/') < 7:
                    continue
                f = line.split('/')
                # ['', ino, mode, uid, gid, name..., size, '']
                ino, mode, uid, gid = int(f[1]), int(f[2], 8), \
                    int(f[3]), int(f[4])
                name = '/'.join(f[5:-2])
                if name in ('.', '..') or ino == 0:
                    continue
                sub = rel + '/' + name if rel else name
                entries.append((sub, ino, mode, uid, gid))
                if stat.S_ISDIR(mode):
                    level.append(sub)
    return entries


def device_numbers(image, paths):
    """{path: (major, minor)} of device inodes, from debugfs stat."""
    out = debugfs(image, ['stat ' + quote(p) for p in paths])
    res = {}
    for p in paths:
        text = out.get('stat ' + quote(p), '')
        for line in text.split('\n'):
            # "Device major/minor number: 01:03 (hex 01:03)"
            if 'Device major/minor number:' in line:
                mm = line.split(':', 1)[1].split()[0]
                a, b = mm.split(':')
                res[p] = (int(a), int(b))
    return res
