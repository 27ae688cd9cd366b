# Runs ghmdet_gpu_check --device cpu --scale smoke and checks its JSON. Needs CHECK (the program),
# SOURCE_DIR and WORK (scratch folder, emptied here).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

execute_process(COMMAND ${CHECK} --out ${WORK}/check.json --device cpu --scale smoke
                        --source-dir ${SOURCE_DIR} --work ${WORK}/runs
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ghmdet_gpu_check exited ${rc}\n${out}\n${err}")
endif()
file(READ ${WORK}/check.json json)

function(json_get out)
  string(JSON value ERROR_VARIABLE error GET "${json}" ${ARGN})
  if(error)
    message(FATAL_ERROR "check.json: ${ARGN}: ${error}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

foreach(section env compare_losses compare_detector host_syncs train time_losses time_steps time_inference)
  string(JSON error ERROR_VARIABLE missing GET "${json}" ${section} error)
  if(NOT missing)
    message(FATAL_ERROR "section ${section} failed: ${error}")
  endif()
endforeach()

# CPU against CPU: the same kernels on the same values, so the same losses; the float16 rows'
# gradients are rounded to float16 (11 significant bits).
string(JSON rows LENGTH "${json}" compare_losses)
if(NOT rows EQUAL 5)
  message(FATAL_ERROR "compare_losses: ${rows} rows, expected 5")
endif()
math(EXPR last "${rows} - 1")
foreach(i RANGE ${last})
  json_get(diff compare_losses ${i} loss_rel_diff)
  json_get(grad compare_losses ${i} grad_rel_diff)
  if(NOT diff EQUAL 0 OR grad GREATER 0.001)
    message(FATAL_ERROR "compare_losses row ${i}: loss diff ${diff}, gradient diff ${grad} on one device")
  endif()
endforeach()

# The short training learns: float32 and bf16 autocast (fp16 on a CPU), finite, lower at the end.
foreach(i 0 1)
  json_get(finite train ${i} finite)
  json_get(first train ${i} loss_first)
  json_get(final train ${i} loss_last)
  json_get(iterations train ${i} iterations)
  if(NOT finite OR NOT iterations EQUAL 24)
    message(FATAL_ERROR "train row ${i}: finite ${finite}, ${iterations} iterations")
  endif()
  if(NOT final LESS first)
    message(FATAL_ERROR "train row ${i}: loss ${first} at the start, ${final} at the end: it did not learn")
  endif()
endforeach()

string(JSON steps LENGTH "${json}" time_steps)
if(NOT steps EQUAL 4)
  message(FATAL_ERROR "time_steps: ${steps} rows, expected 4 (FL and GHM, float32 and fp16)")
endif()
json_get(seconds time_inference 0 s_per_image)
if(NOT seconds GREATER 0)
  message(FATAL_ERROR "time_inference: ${seconds} s per image")
endif()

# A failing section (a config that is not there) is recorded; the other sections still run.
execute_process(COMMAND ${CHECK} --out ${WORK}/broken.json --device cpu --scale smoke
                        --source-dir ${WORK}/no-such-tree --sections compare_detector,time_losses
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(READ ${WORK}/broken.json json)
json_get(error compare_detector error)
json_get(ms time_losses 0 ms)
if(NOT rc EQUAL 1 OR NOT error MATCHES "no-such-tree/configs/demo/fashion_mnist_ghm.yaml")
  message(FATAL_ERROR "a missing config: exit ${rc}, error '${error}'")
endif()

execute_process(COMMAND ${CHECK} --out ${WORK}/x.json --bogus 1 RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "unknown option --bogus")
  message(FATAL_ERROR "an unknown option: exit ${rc}, '${err}'")
endif()
