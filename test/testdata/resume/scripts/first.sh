echo first > "$LFS/usr/share/resume/first"
