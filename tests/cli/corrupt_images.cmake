# A truncated training image stops `train` with an error naming it (exit code 2), as it stops
# `infer`; with data.train.skip_corrupt_images the run goes on and reports the image it skipped.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

# The first training scene, cut to half its bytes (a new file: the VOC copy is a hard link).
file(GLOB scenes ${data}/train/*.jpg)
list(SORT scenes)
list(GET scenes 0 victim)
file(SIZE ${victim} size)
math(EXPR half "${size} / 2")
execute_process(COMMAND head -c ${half} ${victim} OUTPUT_FILE ${victim}.part RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot truncate ${victim}")
endif()
file(RENAME ${victim}.part ${victim})

set(train_args train ${CONFIG} --device cpu --no-validate)
set(overrides ${tiny_scene_overrides} total_epochs=1 "lr_config.step=[]" lr_config.warmup_iters=1 log_config.interval=5)
set(truncated "${victim}: cannot decode the image: the JPEG data stops before its end-of-image marker \\(truncated file\\)")

execute_process(COMMAND ${CLI} ${train_args} --work-dir ${WORK}/strict --cfg-options ${overrides}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT "${out}${err}" MATCHES "${truncated}")
  message(FATAL_ERROR "train on a truncated image: expected exit code 2 naming it, got ${rc}:\n${out}${err}")
endif()

run(skip "trained 10 iterations" ${train_args} --work-dir ${WORK}/skip
  --cfg-options ${overrides} data.train.skip_corrupt_images=true)
if(NOT skip_output MATCHES "${truncated} \\(skipped: skip_corrupt_images\\)")
  message(FATAL_ERROR "train: the skipped image was not reported when met:\n${skip_output}")
endif()
file(READ ${WORK}/skip/train.log log)
if(NOT log MATCHES "skipped 1 unreadable training images \\(data.train.skip_corrupt_images\\): ${victim}")
  message(FATAL_ERROR "train.log does not count the skipped image:\n${log}")
endif()

execute_process(COMMAND ${CLI} infer ${CONFIG} ${WORK}/skip/latest.pth ${victim}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT "${out}${err}" MATCHES "${truncated}")
  message(FATAL_ERROR "infer on a truncated image: expected exit code 2 naming it, got ${rc}:\n${out}${err}")
endif()
