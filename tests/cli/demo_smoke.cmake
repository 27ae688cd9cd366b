# `ghmdet demo` end to end at a tiny size: it makes 16 training and 4 validation scenes, pretrains
# the backbone (the demo config's backbone_pretraining, 2 steps), trains one epoch, tests, draws
# the pictures (at the model's best-F1 threshold) and prints its summary; a second run reuses the
# scenes and the pretrained backbone.
# -DCLI=<ghmdet> -DWORK=<scratch folder>
file(REMOVE_RECURSE ${WORK})
set(args demo --out ${WORK}/scenes --work-dir ${WORK}/run --train-scenes 16 --val-scenes 4 --device cpu
  --cfg-options "backbone_pretraining={iterations: 2, optimizer: adamw, lr: 0.001, imgs_per_gpu: 8}"
  total_epochs=1 "lr_config.step=[]" lr_config.warmup_iters=1 data.workers_per_gpu=1 test_cfg.score_thr=0.0)

execute_process(COMMAND ${CLI} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo: exit code ${rc}:\n${all}")
endif()
foreach(expected
    "crops \\[2/2\\]"
    "backbone weights from [^\n]*run/backbone_pretrained.pth"
    "Average Precision  \\(AP\\) @\\[ IoU=0.50:0.95 \\| area=   all \\| maxDets=100 \\] = [0-9.-]+"
    "GHMC \\+ GHMR RetinaNet on Fashion-MNIST scenes: AP@\\[.5:.95\\] = [0-9.]+, AP50 = [0-9.]+ after 2 iterations"
    "(drawing detections with score >= [0-9.]+, the threshold of best F1 at IoU 0.5 on data.test|no score threshold keeps a detection that hits)"
    "pictures: +[^\n]*run/pictures \\(4 images, ")
  if(NOT all MATCHES "${expected}")
    message(FATAL_ERROR "demo: output does not match '${expected}':\n${all}")
  endif()
endforeach()
foreach(f scenes/annotations/instances_train.json run/backbone_pretrained.pth run/latest.pth run/results_val.json)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "demo did not write ${WORK}/${f}")
  endif()
endforeach()

execute_process(COMMAND ${CLI} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo (second run): exit code ${rc}:\n${all}")
endif()
if(NOT all MATCHES "using the Fashion-MNIST scenes in" OR NOT all MATCHES "using the pretrained backbone [^\n]*backbone_pretrained.pth of an earlier run"
   OR all MATCHES "crops \\[")
  message(FATAL_ERROR "demo (second run): expected the scenes and the pretrained backbone of the first run to be reused:\n${all}")
endif()
