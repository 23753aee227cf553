d="$LFS/usr/share/bulk"
mkdir -p "$d"
for i in $(seq 1 8); do head -c 64M /dev/urandom > "$d/blob$i"; done
for i in $(seq 1 2000); do echo "file $i $RANDOM" > "$d/small$i"; done
