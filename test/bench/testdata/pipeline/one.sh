# the seed's /usr, twice, as the bulk of a tree
mkdir -p "$LFS/a" "$LFS/b"
cp -a /usr/. "$LFS/a/"
cp -a /usr/. "$LFS/b/"
