# `ghmdet train --nproc 2` through the binary: tiny scenes, one epoch on two processes (20 scenes,
# 2 per process and step: 5 steps), sharded evaluation gathered by rank 0, then a 2-process
# resume for a second epoch.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

function(run name expect_regex)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name}: exit code ${rc}:\n${all}")
  endif()
  if(NOT all MATCHES "${expect_regex}")
    message(FATAL_ERROR "${name}: output does not match '${expect_regex}':\n${all}")
  endif()
  set(${name}_output "${all}" PARENT_SCOPE)
endfunction()

set(data ${WORK}/data)
execute_process(COMMAND ${MAKE_SCENES} ${data} 20 4 64 RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_tiny_scenes: exit code ${rc}:\n${out}${err}")
endif()

set(overrides
  data.train.ann_file=${data}/annotations/instances_train.json data.train.img_prefix=${data}/train/
  data.val.ann_file=${data}/annotations/instances_val.json data.val.img_prefix=${data}/val/
  data.test.ann_file=${data}/annotations/instances_val.json data.test.img_prefix=${data}/val/
  "data.train.img_scale=[64, 64]" "data.val.img_scale=[64, 64]" "data.test.img_scale=[64, 64]"
  data.imgs_per_gpu=2 data.workers_per_gpu=1 "lr_config.step=[1]" lr_config.warmup_iters=5
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
