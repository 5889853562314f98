#!/bin/bash -eu
# ClusterFuzzLite's entry point (run as $SRC/build.sh with the working
# directory $SRC/sshdiff): the build is the OSS-Fuzz contract script.
exec bash "$SRC/sshdiff/infra/oss-fuzz/build.sh"
