# `ghmdet train --nproc 2` through the binary: tiny scenes, one epoch on two processes (20 scenes,
# 2 per process and step: 5 steps), sharded evaluation gathered by rank 0, then a 2-process
# resume for a second epoch.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

set(overrides
  ${tiny_scene_overrides} "lr_config.step=[1]" lr_config.warmup_iters=5
  log_config.interval=5 checkpoint_config.interval=1 evaluation.interval=1 test_cfg.score_thr=0.0
  dist_params.timeout=30)

run(train "distributed: 2 processes \\(gloo\\)"
  train ${CONFIG} --nproc 2 --work-dir ${WORK}/run --seed 0 --device cpu
  --cfg-options ${overrides} total_epochs=1)
if(NOT train_output MATCHES "trained 5 iterations")
  message(FATAL_ERROR "train: expected 5 iterations (20 scenes / (2 x 2)):\n${train_output}")
endif()
# Rank 0 alone reports: one evaluation table, one summary line.
string(REGEX MATCHALL "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all" tables "${train_output}")
list(LENGTH tables n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "train: expected one evaluation table, got ${n}:\n${train_output}")
endif()
if(NOT EXISTS ${WORK}/run/epoch_1.pth)
  message(FATAL_ERROR "train: epoch_1.pth was not written")
endif()

run(resume "trained 10 iterations"
  train ${CONFIG} --nproc 2 --work-dir ${WORK}/run --seed 0 --device cpu
  --resume-from ${WORK}/run/epoch_1.pth --cfg-options ${overrides} total_epochs=2)
if(NOT EXISTS ${WORK}/run/epoch_2.pth)
  message(FATAL_ERROR "resume: epoch_2.pth was not written")
endif()
