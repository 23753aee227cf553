#!/usr/bin/env bash
# Install what xbuild and its tests need on a fresh Debian machine, from
# Debian's archive as configured on this machine. Idempotent: packages that
# are already there are not touched.
set -euo pipefail
pkgs=(
  debootstrap          # the seed rootfs
  zstd xz-utils bzip2  # anchors for benchmarks, and test artefacts
  e2fsprogs fdisk      # mkfs.ext4 -d and sfdisk for disk images
  grub-pc-bin grub-common grub2-common  # boot.img/core.img, grub-editenv
  qemu-system-x86      # booting the disk images (TCG)
  busybox-static cpio  # the test userland and initramfs
  util-linux mount     # losetup, blkid, lsblk for the install tests
  whois                # mkpasswd: crypt(3) vectors for the password hash
  binutils gcc make file  # test artefacts (ELF, ar) for verify
  squashfs-tools       # benchmark anchor
  python3-minimal      # .pyc artefacts for verify's explain tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "deps: missing ${missing[*]}: run as root (sudo make ...)" >&2
    exit 1
  fi
  echo "deps: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
go mod download
