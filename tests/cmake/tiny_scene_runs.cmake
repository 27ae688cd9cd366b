# Shared by the cmake -P scripts that drive the `ghmdet` binary on a tiny Fashion-MNIST scene set
# (tests/cli/train_test_eval.cmake, tests/cli/train_nproc.cmake, tests/viz/train_runs.cmake).
# Needs CLI (the binary), MAKE_SCENES (make_tiny_scenes) and WORK (scratch folder, emptied here).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

# run(name expect_regex args...): runs CLI with args; fails on a non-zero exit code or when
# stdout + stderr do not match expect_regex ("" accepts any output); the output is left in
# ${name}_output.
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

# TINY_TRAIN_SCENES (20 unless the script sets it) train and 4 val scenes of 64x64 in ${data}.
if(NOT DEFINED TINY_TRAIN_SCENES)
  set(TINY_TRAIN_SCENES 20)
endif()
set(data ${WORK}/data)
execute_process(COMMAND ${MAKE_SCENES} ${data} ${TINY_TRAIN_SCENES} 4 64
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "make_tiny_scenes: exit code ${rc}:\n${out}${err}")
endif()

# The demo configs pointed at those scenes: 64x64 inputs, 2 images per batch, one worker.
set(tiny_scene_overrides
  data.train.ann_file=${data}/annotations/instances_train.json data.train.img_prefix=${data}/train/
  data.val.ann_file=${data}/annotations/instances_val.json data.val.img_prefix=${data}/val/
  data.test.ann_file=${data}/annotations/instances_val.json data.test.img_prefix=${data}/val/
  "data.train.img_scale=[64, 64]" "data.val.img_scale=[64, 64]" "data.test.img_scale=[64, 64]"
  data.imgs_per_gpu=2 data.workers_per_gpu=1
  # No backbone pretraining unless a script asks for it (train_test_eval.cmake does, briefly).
  backbone_pretraining=null)
