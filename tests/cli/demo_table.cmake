# `ghmdet demo --table` at a tiny size: 16 training and 4 validation scenes, trained at 64x64 for
# one epoch (2 iterations of 8 images, 1 of 32 for the 4x row), on one backbone pretrained once
# (2 steps); then the table of four rows beside the paper's numbers, table.md, the pictures at
# each model's best-F1 threshold and one comparison report per GHM row.
# -DCLI=<ghmdet> -DWORK=<scratch folder>
file(REMOVE_RECURSE ${WORK})
set(args demo --table --out ${WORK}/scenes --work-dir ${WORK}/table --train-scenes 16 --val-scenes 4 --device cpu
  --cfg-options "backbone_pretraining={iterations: 2, optimizer: adamw, lr: 0.001, imgs_per_gpu: 8}"
  total_epochs=1 "lr_config.step=[]" lr_config.warmup_iters=1 data.workers_per_gpu=1 test_cfg.score_thr=0.0
  "data.train.img_scale=[64, 64]" "data.val.img_scale=[64, 64]" "data.test.img_scale=[64, 64]")

execute_process(COMMAND ${CLI} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "demo --table: exit code ${rc}:\n${all}")
endif()

set(number "[0-9]+\\.[0-9]")
foreach(expected
    # The expected time comes first, before any training.
    "--table: 4 trainings of 1 epoch \\(2 iterations of [0-9.]+ s each, measured here\\) take about.*=== row 1/4"
    "=== row 1/4: FL \\+ SL1 ===.*=== row 2/4: GHM-C \\+ SL1 ===.*=== row 3/4: GHM-C \\+ GHM-R ===.*=== row 4/4"
    # The table: the 4x row sees the 16 scenes (padded to 32, as the sampler does) in one iteration.
    "\\| FL \\+ SL1 +\\| +${number} \\| +${number} \\| +2 \\| +35.6 \\|"
    "\\| GHM-C \\+ SL1 +\\| +${number} \\| +${number} \\| +2 \\| +35.8 \\|"
    "\\| GHM-C \\+ GHM-R +\\| +${number} \\| +${number} \\| +2 \\| +37.0 \\|"
    "\\| GHM-C \\+ GHM-R, 4x batch +\\| +${number} \\| +${number} \\| +1 \\| +- \\|"
    "What differs from the paper:\n- data: Fashion-MNIST scenes, 10 classes, inputs of 64x64 .*\n- budget: 1 epoch of 16 scenes"
    "report: +[^\n]*report_fashion_mnist_ghm_4x_vs_fl/report.html")
  if(NOT all MATCHES "${expected}")
    message(FATAL_ERROR "demo --table: output does not match '${expected}':\n${all}")
  endif()
endforeach()

# The backbone is pretrained once, and every row starts from that file.
string(REGEX MATCHALL "crops \\[2/2\\]" pretrainings "${all}")
list(LENGTH pretrainings n)
string(REGEX MATCHALL "backbone weights from [^\n]*table/backbone_pretrained.pth" loads "${all}")
list(LENGTH loads n_loads)
if(NOT n EQUAL 1 OR n_loads LESS 4)
  message(FATAL_ERROR "demo --table: expected one pretraining (saw ${n}) used by the 4 rows (saw ${n_loads}):\n${all}")
endif()

# Every row's pictures are drawn at its own threshold, chosen on the validation scenes (or show
# only the ground truth when no detection hits).
string(REGEX MATCHALL "pictures: [^\n]*\\(4 images, (ground truth only|[0-9.]+ detections each, drawn at score >= [0-9.]+: best F1 at IoU 0.5)"
  drawn "${all}")
list(LENGTH drawn n_drawn)
if(n_drawn LESS 4)
  message(FATAL_ERROR "demo --table: expected 4 rows of pictures at the best-F1 threshold, saw ${n_drawn}:\n${all}")
endif()

foreach(f table/table.md table/backbone_pretrained.pth
    table/fashion_mnist_fl/latest.pth table/fashion_mnist_ghmc_sl1/results_val.json
    table/fashion_mnist_ghm/latest.pth table/fashion_mnist_ghm_4x/latest.pth
    table/report_fashion_mnist_ghmc_sl1_vs_fl/report.html table/report_fashion_mnist_ghm_vs_fl/report.html
    table/report_fashion_mnist_ghm_4x_vs_fl/report.html)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "demo --table did not write ${WORK}/${f}")
  endif()
endforeach()
file(GLOB pictures ${WORK}/table/fashion_mnist_ghm_4x/pictures/*)
list(LENGTH pictures n_pictures)
if(NOT n_pictures EQUAL 4)
  message(FATAL_ERROR "expected 4 pictures of the 4x row, found ${n_pictures}")
endif()
file(READ ${WORK}/table/table.md table)
if(NOT table MATCHES "GHM-C \\+ GHM-R, 4x batch" OR NOT table MATCHES "37.0")
  message(FATAL_ERROR "table.md lacks the rows:\n${table}")
endif()
