# Mixed precision through the binary on tiny scenes: the demo config (GHM-C + GHM-R RetinaNet)
# trained twice with the same seed and deterministic kernels, in float32 and with
# `fp16: {loss_scale: dynamic}` (bfloat16 autocast on a CPU). The bf16 run must say what it runs;
# its losses must be close to float32's without being identical in the first logging window
# (before the runs drift apart), and its last epoch's mean loss no worse than float32's by more
# than a margin (it trains as well). Then the bf16 run is resumed from its epoch-3 checkpoint: with deterministic
# kernels it must log exactly the same losses and AP as the uninterrupted run.
# (Short runs like these reach no meaningful AP, so AP is compared only between the resumed and
# the uninterrupted bf16 runs; docs/PERFORMANCE.md has longer runs.)
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml>
# -DWORK=<scratch folder>
set(TINY_TRAIN_SCENES 40)
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

# From random weights, bfloat16 moves the detector's outputs by 3-6 % (measured on the demo's
# variant in tests/modeling/test_retinanet.cpp: rounding compounds over some 25 layers), so the
# first logging window (iterations 1-5, before the runs drift apart) gets 10 %. After that the
# two runs take different paths through the same batches (seen: bf16's last epoch 20 % lower);
# what must hold is that bf16 trains no worse: its last epoch's mean at most 15 % above float32's.
set(FIRST_TOLERANCE 100000)  # millionths, relative, both ways
set(LAST_TOLERANCE 150000)   # millionths, relative, bf16 above float32 only

# to_millionths(out "1.25") -> 1250000 (non-negative decimals without an exponent).
function(to_millionths out text)
  if(NOT text MATCHES "^([0-9]+)(\\.([0-9]*))?$")
    message(FATAL_ERROR "not a plain non-negative decimal: '${text}'")
  endif()
  set(whole ${CMAKE_MATCH_1})
  string(SUBSTRING "${CMAKE_MATCH_3}000000" 0 6 fraction)
  string(REGEX REPLACE "^0+([0-9])" "\\1" fraction "${fraction}")
  math(EXPR value "${whole} * 1000000 + ${fraction}")
  set(${out} ${value} PARENT_SCOPE)
endfunction()

function(expect_within what a b tolerance)
  math(EXPR diff "${a} - ${b}")
  if(diff LESS 0)
    math(EXPR diff "-(${diff})")
  endif()
  if(diff GREATER tolerance)
    message(FATAL_ERROR "${what}: bf16 ${a} vs float32 ${b} (millionths) differ by ${diff} > ${tolerance}")
  endif()
endfunction()

set(ap_regex "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = ([0-9.]+)")
set(overrides ${tiny_scene_overrides} total_epochs=6 "lr_config.step=[5]" lr_config.warmup_iters=20
  log_config.interval=5 log_config.ghm_stats_interval=0 checkpoint_config.interval=3
  evaluation.interval=6)
set(fp16 "fp16={loss_scale: dynamic}")

# read_losses(prefix file): ${prefix}_first_<term> and ${prefix}_last_<term> (the mean of the last
# epoch's logged windows) in millionths, and ${prefix}_lines (the logged training lines).
function(read_losses prefix file)
  file(STRINGS ${file} lines REGEX "\"mode\": *\"train\"")
  list(LENGTH lines n)
  if(n LESS 8)
    message(FATAL_ERROR "${file}: ${n} training lines, expected 24")
  endif()
  foreach(term loss_cls loss_bbox)
    set(sum 0)
    set(count 0)
    set(index 0)
    foreach(line IN LISTS lines)
      if(NOT line MATCHES "\"${term}\": *([0-9.]+)[,}]")
        message(FATAL_ERROR "${file}: no plain ${term} in: ${line}")
      endif()
      to_millionths(value ${CMAKE_MATCH_1})
      if(index EQUAL 0)
        set(${prefix}_first_${term} ${value} PARENT_SCOPE)
      endif()
      if(line MATCHES "\"epoch\": *6[,}]")
        math(EXPR sum "${sum} + ${value}")
        math(EXPR count "${count} + 1")
      endif()
      math(EXPR index "${index} + 1")
    endforeach()
    if(count EQUAL 0)
      message(FATAL_ERROR "${file}: no logged line of epoch 6")
    endif()
    math(EXPR mean "${sum} / ${count}")
    set(${prefix}_last_${term} ${mean} PARENT_SCOPE)
  endforeach()
  set(${prefix}_lines "${lines}" PARENT_SCOPE)
endfunction()

foreach(mode fp32 bf16)
  set(extra)
  if(mode STREQUAL "bf16")
    set(extra "${fp16}")
  endif()
  run(${mode} "${ap_regex}" train ${CONFIG} --work-dir ${WORK}/${mode} --seed 0 --deterministic
    --device cpu --cfg-options ${overrides} ${extra})
  read_losses(${mode} ${WORK}/${mode}/metrics.jsonl)
  message(STATUS "${mode}: first loss_cls ${${mode}_first_loss_cls} loss_bbox ${${mode}_first_loss_bbox}, "
    "last epoch loss_cls ${${mode}_last_loss_cls} loss_bbox ${${mode}_last_loss_bbox} (millionths)")
endforeach()

if(NOT bf16_output MATCHES "fp16: on the CPU the model runs under bfloat16 autocast")
  message(FATAL_ERROR "bf16: the log does not say that bfloat16 autocast runs:\n${bf16_output}")
endif()
if(fp32_output MATCHES "autocast")
  message(FATAL_ERROR "fp32: autocast without fp16 in the config:\n${fp32_output}")
endif()
foreach(term loss_cls loss_bbox)
  math(EXPR tolerance "${fp32_first_${term}} * ${FIRST_TOLERANCE} / 1000000")
  expect_within("first logged ${term}" ${bf16_first_${term}} ${fp32_first_${term}} ${tolerance})
  math(EXPR bound "${fp32_last_${term}} + ${fp32_last_${term}} * ${LAST_TOLERANCE} / 1000000")
  if(bf16_last_${term} GREATER bound)
    message(FATAL_ERROR "last epoch's mean ${term}: bf16 ${bf16_last_${term}} above float32's "
      "${fp32_last_${term}} by more than ${LAST_TOLERANCE} millionths (millionths)")
  endif()
endforeach()
if(bf16_first_loss_cls EQUAL fp32_first_loss_cls AND bf16_first_loss_bbox EQUAL fp32_first_loss_bbox)
  message(FATAL_ERROR "bf16 and float32 logged identical losses: the model did not run in bfloat16")
endif()

# Deterministic mode: the bf16 run resumed after epoch 3 logs what the uninterrupted one did.
run(resume "${ap_regex}" train ${CONFIG} --work-dir ${WORK}/bf16_resumed --seed 0 --deterministic
  --device cpu --resume-from ${WORK}/bf16/epoch_3.pth --cfg-options ${overrides} "${fp16}")
if(NOT resume_output MATCHES "fp16: loss scale 65536 \\(growth tracker 0\\) restored from")
  message(FATAL_ERROR "resume: the loss scale was not restored:\n${resume_output}")
endif()
read_losses(resumed ${WORK}/bf16_resumed/metrics.jsonl)
# losses_after_epoch_3(out lines): the iteration numbers and loss values logged in epochs 4-6.
function(losses_after_epoch_3 out lines)
  set(kept)
  foreach(line IN LISTS lines)
    if(line MATCHES "\"epoch\": *[456][,}]")
      string(REGEX MATCHALL "\"global_iter\": *[0-9]+|\"loss[a-z_]*\": *[0-9.e+-]+" values "${line}")
      list(APPEND kept "${values}")
    endif()
  endforeach()
  set(${out} "${kept}" PARENT_SCOPE)
endfunction()
losses_after_epoch_3(straight "${bf16_lines}")
losses_after_epoch_3(resumed "${resumed_lines}")
list(LENGTH straight n_straight)
if(n_straight EQUAL 0 OR NOT straight STREQUAL resumed)
  message(FATAL_ERROR "resume: epochs 4-6 logged differently\nstraight: ${straight}\nresumed: ${resumed}")
endif()
string(REGEX MATCH "${ap_regex}" straight_ap "${bf16_output}")
string(REGEX MATCH "${ap_regex}" resumed_ap "${resume_output}")
if(NOT straight_ap STREQUAL resumed_ap)
  message(FATAL_ERROR "resume: '${resumed_ap}' after resuming, '${straight_ap}' straight")
endif()
