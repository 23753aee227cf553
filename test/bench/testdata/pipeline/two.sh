# change about 5% of the files, as a stage that rebuilds some outputs
find "$LFS/a" -type f | sort | awk 'NR % 20 == 0' | while read -r f; do
  printf 'stage two\n' >> "$f"
done
