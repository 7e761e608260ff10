#!/bin/sh
# pre, main and post in one script: the stage shows in the state the earlier ones saved.
if [ -z "$STATE_pre" ]; then
  echo "pre: who=$INPUT_WHO mixed=$INPUT_MIXED_CASE args=$#"
  echo "pre=saved" >> "$GITHUB_STATE"
elif [ -z "$STATE_main" ]; then
  echo "main: $1, $2! args=$# third=[$3] runs=$FROM_RUNS overridden=$OVERRIDDEN"
  echo "said=$1 $2" >> "$GITHUB_OUTPUT"
  echo "main=saved" >> "$GITHUB_STATE"
else
  echo "post: pre=$STATE_pre main=$STATE_main"
fi
