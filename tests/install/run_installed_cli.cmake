# cmake -P script: install into a prefix outside the source tree (so that nothing is found by
# walking up from the binary into the sources), then run the installed binary from there.
string(RANDOM LENGTH 8 tag)
set(root "/tmp/ghmdet-install-${tag}")
if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(root "$ENV{TMPDIR}/ghmdet-install-${tag}")
endif()
set(prefix ${root}/prefix)
set(elsewhere ${root}/elsewhere)
file(MAKE_DIRECTORY ${elsewhere})

function(run expect_regex)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${ARGN}
                  WORKING_DIRECTORY ${elsewhere}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT "${out}${err}" MATCHES "${expect_regex}")
    file(REMOVE_RECURSE ${root})
    message(FATAL_ERROR "exit code ${rc}, expected output matching '${expect_regex}': ${ARGN}\n${out}${err}")
  endif()
endfunction()

run("" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
set(ghmdet ${prefix}/bin/ghmdet)
run("print-config.*train" ${ghmdet} --help)
run("libtorch [0-9]" ${ghmdet} version)
# A shipped config, named as in the README, resolved to <prefix>/share/ghmdet/configs, with its
# _base_ files merged.
run("type: GHMC.*type: GHMR" ${ghmdet} print-config configs/ghm/retinanet_ghmc_ghmr_r50_fpn_1x_coco.yaml)
# COCO evaluation of a committed case (AP 0.0957 per the pycocotools fixture).
run("Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = 0.096"
    ${ghmdet} eval --ann ${FIXTURES}/coco_case1_gt.json --results ${FIXTURES}/coco_case1_results.json)
file(REMOVE_RECURSE ${root})
message(STATUS "the installed ghmdet runs from ${elsewhere}")
