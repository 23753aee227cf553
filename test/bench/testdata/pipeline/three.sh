# add a tree of new files
mkdir -p "$LFS/c"
for i in $(seq 1 2000); do
  printf 'file %d\n' "$i" > "$LFS/c/f$i"
done
