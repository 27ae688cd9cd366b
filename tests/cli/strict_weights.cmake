# `test` and `infer` run a model on a checkpoint's weights alone: a checkpoint that does not
# cover the model (none of its weights, or one of the wrong shape) is an error naming the file
# and the keys (exit code 2), unless --non-strict, which runs it and reports what was not loaded.
# A checkpoint of the same model passes. Weights are made by make_detector_weights (freshly
# initialised, so only loading is tested here, not accuracy).
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DMAKE_WEIGHTS=<make_detector_weights>
# -DCONFIG=<configs/demo/fashion_mnist_ghm.yaml> -DNONE_PTH=<a checkpoint of unrelated tensors>
# -DWORK=<scratch folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

# expect(name rc regex args...): `ghmdet args` exits with rc and its output matches regex.
function(expect name rc regex)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code EQUAL rc)
    message(FATAL_ERROR "${name}: expected exit code ${rc}, got ${code}:\n${out}${err}")
  endif()
  if(NOT "${out}${err}" MATCHES "${regex}")
    message(FATAL_ERROR "${name}: output does not match '${regex}':\n${out}${err}")
  endif()
endfunction()

foreach(weights IN ITEMS "complete" "wrong_shape|model.bbox_head.num_classes=11")
  string(REPLACE "|" ";" weights "${weights}")
  list(POP_FRONT weights name)
  execute_process(COMMAND ${MAKE_WEIGHTS} ${CONFIG} ${WORK}/${name}.pth ${weights}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "make_detector_weights ${name}: exit code ${rc}:\n${out}${err}")
  endif()
endforeach()

file(GLOB images ${data}/val/*)
list(GET images 0 image)
set(test_args --out ${WORK}/results.json --device cpu --cfg-options ${tiny_scene_overrides})
set(none "views_zip.pth \\(unknown\\): does not hold this model's weights \\(0 of [0-9]+ loaded\\); --non-strict")
set(none_keys "missing keys \\([0-9]+\\): backbone.conv1.weight, [^\n]*bbox_head.retina_reg.bias.*unexpected keys \\(8\\): base, tail")
set(shape "wrong_shape.pth \\(ghmdet\\): does not hold this model's weights")
set(shape_keys "shape mismatches \\(2\\): bbox_head.retina_cls.weight \\(model \\[90, [0-9, ]+\\], file \\[99, [0-9, ]+\\]\\); bbox_head.retina_cls.bias")

foreach(verb test infer)
  if(verb STREQUAL "test")
    set(args ${test_args})
  else()
    set(args ${image} --out ${WORK}/detections.json --device cpu)
  endif()
  expect(${verb}_complete 0 "" ${verb} ${CONFIG} ${WORK}/complete.pth ${args})
  expect(${verb}_none 2 "${none}.*${none_keys}" ${verb} ${CONFIG} ${NONE_PTH} ${args})
  expect(${verb}_wrong_shape 2 "${shape}.*${shape_keys}" ${verb} ${CONFIG} ${WORK}/wrong_shape.pth ${args})
  expect(${verb}_non_strict 0 "weights not loaded as they are:\n${shape_keys}"
    ${verb} ${CONFIG} ${WORK}/wrong_shape.pth ${args} --non-strict)
endforeach()
