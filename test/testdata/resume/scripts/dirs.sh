mkdir -p "$LFS/usr/share/resume"; echo base > "$LFS/usr/share/resume/base"
