out="$LFS/usr/share/fixture"
install -d "$out"
echo "this file is the same in every build" > "$out/constant"
hostname > "$out/hostname"
echo "seed $RANDOM" > "$out/random"
echo "built in $(pwd)" > "$out/buildpath"
# Two builds are at least a second apart, so the time of day differs.
sleep 1
date -u '+built on %Y-%m-%d at %H:%M:%S' > "$out/date"
