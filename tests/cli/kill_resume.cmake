# Crash safety through the binary: 20 SIGKILLs of a training run that checkpoints every iteration
# (kill_training.cpp checks latest.pth and every checkpoint after each, and that --resume-from
# goes on), then checkpoint_config.max_keep_ckpts on a clean run.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DKILL_TRAINING=<kill_training>
# -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml> -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

# 10 iterations per epoch (20 scenes, 2 per batch); no evaluation, so a kill lands in training.
set(overrides ${tiny_scene_overrides} log_config.interval=1 evaluation=null
  lr_config.warmup_iters=5 total_epochs=50)

execute_process(
  COMMAND ${KILL_TRAINING} ${WORK}/killed 20 15 --
    ${CLI} train ${CONFIG} --work-dir ${WORK}/killed --seed 0 --device cpu
    --cfg-options ${overrides} "checkpoint_config={by_epoch: false, interval: 1, max_keep_ckpts: 3}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kill_training: exit code ${rc}\n${err}")
endif()

# One epoch with a checkpoint every 2 iterations keeping 3: iter_8, iter_10 and epoch_1 remain.
run(keep "trained 10 iterations"
  train ${CONFIG} --work-dir ${WORK}/keep --seed 0 --device cpu
  --cfg-options ${overrides} total_epochs=1
  "checkpoint_config={interval: 1, iter_interval: 2, max_keep_ckpts: 3}")
file(GLOB kept RELATIVE ${WORK}/keep ${WORK}/keep/*.pth ${WORK}/keep/.*)
list(SORT kept)
if(NOT kept STREQUAL "epoch_1.pth;iter_10.pth;iter_8.pth;latest.pth")
  message(FATAL_ERROR "max_keep_ckpts 3: expected epoch_1.pth, iter_10.pth, iter_8.pth and latest.pth, found: ${kept}")
endif()
