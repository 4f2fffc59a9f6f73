# git init, add, commit, log, diff on a small repository (fixed names and
# dates, so the hashes are the host's).
set -u
export GIT_AUTHOR_NAME=kos GIT_AUTHOR_EMAIL=kos@example.org
export GIT_COMMITTER_NAME=kos GIT_COMMITTER_EMAIL=kos@example.org
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
git config --global init.defaultBranch main
git config --global core.pager cat
mkdir -p /tmp/g && cd /tmp/g || exit 1
git init -q . && echo "init: $?"
printf 'line %d\n' 1 2 3 > a.txt && mkdir sub && echo deep > sub/b.txt
git add . && git commit -q -m first && git log --oneline
sed -i 's/line 2/line two/' a.txt && echo new > c.txt
git status --short
git diff
git add -A && git commit -q -m second
git log --stat --format='%h %s' | cat
git diff HEAD~1 --stat
git branch feature && git checkout -q feature && echo f >> c.txt && git commit -qam third
git checkout -q main && git merge -q --no-edit feature && git log --oneline --graph
git show --format='%H' -s HEAD; git ls-files; git cat-file -p HEAD^{tree}
git fsck --no-progress 2>&1 && echo "fsck ok"; git gc -q && git count-objects -v | grep -E '^(count|in-pack)'
