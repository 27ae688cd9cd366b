# End to end through the binary: make a tiny Fashion-MNIST scene set, train the demo config for
# 20 iterations (2 epochs of 10 batches at 64x64), then `test` the checkpoint (results file,
# COCO evaluation, pictures; again with --show-score-thr auto) and `eval` the results file it
# wrote; then `test --dtype bf16` and its float32 fallback.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

function(expect_file path)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "${path} was not written")
  endif()
endfunction()

# The demo config, shrunk: data paths, 64x64 inputs, 2 images per batch, 2 epochs, short warm-up,
# every score kept at test time so that an untrained model still writes results.
set(overrides
  ${tiny_scene_overrides} total_epochs=2 "lr_config.step=[1]"
  lr_config.warmup_iters=5 log_config.interval=5 checkpoint_config.interval=1
  evaluation.interval=2 test_cfg.score_thr=0.0)

# The config's backbone pretraining runs first (4 crop-classification steps) and model.pretrained
# points at its file.
run(train "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\]"
  train ${CONFIG} --work-dir ${WORK}/run --seed 0 --device cpu --cfg-options ${overrides}
  "backbone_pretraining={iterations: 4, optimizer: adamw, lr: 0.001, imgs_per_gpu: 2}")
if(NOT train_output MATCHES "pretraining the ResNet-18 backbone on object crops.*crops \\[4/4\\].*backbone weights from [^\n]*run/backbone_pretrained.pth")
  message(FATAL_ERROR "train: expected 4 pretraining steps, then the backbone loaded from run/backbone_pretrained.pth:\n${train_output}")
endif()
if(NOT train_output MATCHES "trained 20 iterations")
  message(FATAL_ERROR "train: expected 20 iterations:\n${train_output}")
endif()
foreach(f backbone_pretrained.pth epoch_1.pth epoch_2.pth latest.pth fashion_mnist_ghm.yaml metrics.jsonl train.log)
  expect_file(${WORK}/run/${f})
endforeach()

# Every logged loss is a finite number.
file(STRINGS ${WORK}/run/metrics.jsonl lines REGEX "\"mode\": *\"train\"")
list(LENGTH lines logged)
if(logged LESS 4)
  message(FATAL_ERROR "metrics.jsonl has ${logged} training entries, expected 4 (every 5 of 20 iterations)")
endif()
foreach(line IN LISTS lines)
  foreach(term loss_cls loss_bbox loss)
    if(NOT line MATCHES "\"${term}\": *-?[0-9][0-9.e+-]*[,}]")
      message(FATAL_ERROR "metrics.jsonl: ${term} is not a finite number in: ${line}")
    endif()
  endforeach()
endforeach()
# The merged config that was saved carries the overrides.
file(READ ${WORK}/run/fashion_mnist_ghm.yaml merged)
if(NOT merged MATCHES "total_epochs: 2")
  message(FATAL_ERROR "the saved config lacks the override total_epochs: 2:\n${merged}")
endif()

run(test "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = ([0-9.-]+)"
  test ${CONFIG} ${WORK}/run/latest.pth --out ${WORK}/results.json --eval bbox --show-dir ${WORK}/show
  --device cpu --cfg-options ${overrides})
set(ap_line "maxDets=100 \\] = ([0-9.-]+)")
string(REGEX MATCH "${ap_line}" unused "${test_output}")
set(test_ap ${CMAKE_MATCH_1})
expect_file(${WORK}/results.json)
file(GLOB pictures ${WORK}/show/*.jpg)
list(LENGTH pictures n_pictures)
if(NOT n_pictures EQUAL 4)
  message(FATAL_ERROR "expected 4 pictures in ${WORK}/show, found ${n_pictures}")
endif()

# --show-score-thr auto: the threshold of best F1 on data.test, printed (or, for a model this
# short-trained, the message that nothing hits); the ground truth left out.
run(test_auto "(drawing detections with score >= [0-9.]+, the threshold of best F1 at IoU 0.5 on data.test: precision [0-9.]+, recall [0-9.]+|no score threshold keeps a detection that hits a ground-truth box)"
  test ${CONFIG} ${WORK}/run/latest.pth --show-dir ${WORK}/show_auto --show-score-thr auto --no-show-gt
  --device cpu --cfg-options ${overrides})
file(GLOB pictures ${WORK}/show_auto/*.jpg)
list(LENGTH pictures n_pictures)
if(NOT n_pictures EQUAL 4)
  message(FATAL_ERROR "expected 4 pictures in ${WORK}/show_auto, found ${n_pictures}")
endif()

# `eval` on the written file gives the AP that `test` printed.
run(eval "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = ([0-9.-]+)"
  eval --ann ${data}/annotations/instances_val.json --results ${WORK}/results.json --out ${WORK}/stats.json)
string(REGEX MATCH "${ap_line}" unused "${eval_output}")
if(NOT CMAKE_MATCH_1 STREQUAL test_ap)
  message(FATAL_ERROR "eval printed AP ${CMAKE_MATCH_1}, test printed ${test_ap}")
endif()
expect_file(${WORK}/stats.json)

# bf16 inference (`test --dtype bf16`): on these validation scenes its AP is within 0.005 of the
# float32 run's (full-precision stats from `eval`); where the CPU cannot run bf16, or with
# GHMDET_ASSUME_NO_BF16=1, it says so and writes the float32 results byte for byte.
run(test_bf16 "inference dtype: (bf16|float32 \\(bf16 requested, but [^)]+\\))"
  test ${CONFIG} ${WORK}/run/latest.pth --out ${WORK}/results_bf16.json --dtype bf16
  --device cpu --cfg-options ${overrides})
run(eval_bf16 "" eval --ann ${data}/annotations/instances_val.json --results ${WORK}/results_bf16.json
  --out ${WORK}/stats_bf16.json)
file(READ ${WORK}/stats.json stats32)
file(READ ${WORK}/stats_bf16.json stats16)
string(JSON ap32 GET "${stats32}" AP)
string(JSON ap16 GET "${stats16}" AP)
# An AP in millionths (CMake's math() has no floats): "0.0123456" -> 12345, "1" -> 1000000,
# "-1" -> -1000000, anything below 1e-4 written with an exponent -> 0.
function(micro value out)
  if(value MATCHES "^(-?)([0-9]+)$")
    math(EXPR v "${CMAKE_MATCH_1}${CMAKE_MATCH_2} * 1000000")
  elseif(value MATCHES "^(-?)([0-9]+)\\.([0-9]*)$")
    set(sign ${CMAKE_MATCH_1})
    set(whole ${CMAKE_MATCH_2})
    string(SUBSTRING "${CMAKE_MATCH_3}000000" 0 6 frac)
    string(REGEX REPLACE "^0+([0-9])" "\\1" frac "${frac}")
    math(EXPR v "${sign}(${whole} * 1000000 + ${frac})")
  elseif(value MATCHES "^[0-9.]+e-0*([5-9]|[1-9][0-9]+)$")
    set(v 0)
  else()
    message(FATAL_ERROR "cannot read the AP '${value}'")
  endif()
  set(${out} ${v} PARENT_SCOPE)
endfunction()
micro(${ap32} ap32_micro)
micro(${ap16} ap16_micro)
math(EXPR ap_diff "${ap16_micro} - ${ap32_micro}")
if(ap_diff GREATER 5000 OR ap_diff LESS -5000)
  message(FATAL_ERROR "bf16 AP ${ap16} differs from float32 AP ${ap32} by more than 0.005")
endif()
message(STATUS "AP: float32 ${ap32}, bf16 ${ap16}")

execute_process(COMMAND ${CMAKE_COMMAND} -E env GHMDET_ASSUME_NO_BF16=1
  ${CLI} test ${CONFIG} ${WORK}/run/latest.pth --out ${WORK}/results_fallback.json --dtype bf16
  --device cpu --cfg-options ${overrides}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "test --dtype bf16 with GHMDET_ASSUME_NO_BF16=1: exit code ${rc}:\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "inference dtype: float32 \\(bf16 requested, but GHMDET_ASSUME_NO_BF16 is set\\)")
  message(FATAL_ERROR "the float32 fallback was not reported:\n${out}${err}")
endif()
file(READ ${WORK}/results.json results32)
file(READ ${WORK}/results_fallback.json results_fallback)
if(NOT results32 STREQUAL results_fallback)
  message(FATAL_ERROR "the float32 fallback wrote other results than the float32 run")
endif()
