# The fixture of the report tests: two short real training runs on tiny Fashion-MNIST scenes,
# then `ghmdet report` through the binary (one run, and one against the other).
#   WORK/ghm — GHM-C + GHM-R (configs/demo/fashion_mnist_ghm.yaml), pictures from `test`
#   WORK/fl  — focal loss + smooth L1 (configs/demo/fashion_mnist_fl.yaml), one epoch only (its
#              iterations are much slower than GHM's on this model at present)
# Both: 64x64 scenes, 2 images per batch, epochs of 10 iterations, gradient records every 3
# iterations, evaluation after each epoch.
# -DCLI=<ghmdet> -DMAKE_SCENES=<make_tiny_scenes> -DCONFIGS=<configs/demo> -DWORK=<folder>
include(${CMAKE_CURRENT_LIST_DIR}/../cmake/tiny_scene_runs.cmake)

set(overrides
  ${tiny_scene_overrides} total_epochs=2 "lr_config.step=[1]"
  lr_config.warmup_iters=5 log_config.interval=5 log_config.ghm_stats_interval=3
  checkpoint_config.interval=2 evaluation.interval=1 test_cfg.score_thr=0.05)

run(train_ghm "" train ${CONFIGS}/fashion_mnist_ghm.yaml --work-dir ${WORK}/ghm --seed 0 --device cpu
  --cfg-options ${overrides})
run(test_ghm "" test ${CONFIGS}/fashion_mnist_ghm.yaml ${WORK}/ghm/latest.pth --show-dir ${WORK}/ghm/pictures
  --device cpu --cfg-options ${overrides})
run(train_fl "" train ${CONFIGS}/fashion_mnist_fl.yaml --work-dir ${WORK}/fl --seed 0 --device cpu
  --cfg-options ${overrides} total_epochs=1)
foreach(f ghm_stats.jsonl eval_per_class.jsonl metrics.jsonl)
  if(NOT EXISTS ${WORK}/ghm/${f} OR NOT EXISTS ${WORK}/fl/${f})
    message(FATAL_ERROR "${f} was not written in both runs")
  endif()
endforeach()

run(report "" report ${WORK}/ghm --compare ${WORK}/fl --out ${WORK}/report)
if(NOT report_output MATCHES "report: .*report.html \\(([0-9]+) figures in plots/\\)")
  message(FATAL_ERROR "report: unexpected output:\n${report_output}")
endif()
if(NOT EXISTS ${WORK}/report/report.html OR NOT EXISTS ${WORK}/report/plots/gradnorm_cls_levels.svg)
  message(FATAL_ERROR "report: report.html or plots/gradnorm_cls_levels.svg missing")
endif()
