# LFS 12.3 chapter 4.2-4.3: the limited directory layout of the LFS tree and
# its ownership by the build user. Runs as root; everything after it runs as
# the unprivileged build user (uid/gid 1000, see stages/01-toolchain.yaml).
mkdir -p "$LFS"/{etc,var,tools,lib64} "$LFS"/usr/{bin,lib,sbin}
for i in bin lib sbin; do
  ln -sfn "usr/$i" "$LFS/$i"
done
chown 1000:1000 "$LFS"/{usr{,/*},var,etc,tools,lib64}
