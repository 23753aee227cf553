# As LFS chapter 4: the build user owns the directories it installs into.
install -d -o builder -g builder "$LFS/usr"
