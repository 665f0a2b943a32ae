;; A hostile validator written by hand: four core instances, each with its own linear memory.
;; `validate` grows each memory by 40 MiB, which one memory's 64 MiB cap allows, for 160 MiB
;; in all. The plugin's limit is on the total, so the second growth must be refused. With
;; the document "small" it grows each memory by 1 MiB only, which fits.
(component
  (core module $hog
    (memory 1)
    ;; Grows by `pages`; traps when refused, as an allocator would abort.
    (func (export "grow") (param $pages i32)
      (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
        (then unreachable))))
  (core instance $h1 (instantiate $hog))
  (core instance $h2 (instantiate $hog))
  (core instance $h3 (instantiate $hog))

  (core module $main
    (import "h1" "grow" (func $grow1 (param i32)))
    (import "h2" "grow" (func $grow2 (param i32)))
    (import "h3" "grow" (func $grow3 (param i32)))
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 4096))
    ;; A bump allocator for the strings the host passes in.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $at i32)
      (local.set $at
        (i32.and
          (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get 2))))
      (global.set $next (i32.add (local.get $at) (local.get 3)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.const 16)))))
      (local.get $at))
    (data (i32.const 64) "many-memoriesMany memories1.0.0")
    ;; plugin-info at 128: id, name, version (pointer, length each), targets (pointer, count).
    (data (i32.const 128)
      "\40\00\00\00\0d\00\00\00"
      "\4d\00\00\00\0d\00\00\00"
      "\5a\00\00\00\05\00\00\00"
      "\a0\00\00\00\01\00\00\00")
    ;; targets: [room]
    (data (i32.const 160) "\00")
    (func (export "info") (result i32) (i32.const 128))
    (func (export "validate") (param $target i32) (param $doc i32) (param $len i32) (result i32)
      (local $pages i32)
      ;; "small" (5 bytes) asks for 16 pages (1 MiB) a memory; anything else 640 (40 MiB).
      (local.set $pages (select (i32.const 16) (i32.const 640) (i32.eq (local.get $len) (i32.const 5))))
      (call $grow1 (local.get $pages))
      (call $grow2 (local.get $pages))
      (call $grow3 (local.get $pages))
      (if (i32.eq (memory.grow (local.get $pages)) (i32.const -1))
        (then unreachable))
      ;; No findings: an empty list at 192.
      (i32.store (i32.const 192) (i32.const 0))
      (i32.store (i32.const 196) (i32.const 0))
      (i32.const 192)))
  (core instance $m (instantiate $main
    (with "h1" (instance $h1))
    (with "h2" (instance $h2))
    (with "h3" (instance $h3))))

  (type $target (enum "room" "persona"))
  (export $target-e "target" (type $target))
  (type $severity (enum "info" "warning" "error"))
  (export $severity-e "severity" (type $severity))
  (type $diagnostic (record
    (field "severity" $severity-e)
    (field "code" string)
    (field "message" string)
    (field "path" (option string))
    (field "hint" (option string))))
  (export $diagnostic-e "diagnostic" (type $diagnostic))
  (type $info (record
    (field "id" string)
    (field "name" string)
    (field "version" string)
    (field "targets" (list $target-e))))
  (export $info-e "plugin-info" (type $info))

  (func $validate (param "target" $target-e) (param "document" string) (result (list $diagnostic-e))
    (canon lift (core func $m "validate") (memory (core memory $m "memory")) (realloc (core func $m "realloc"))))
  (func $info-f (result $info-e)
    (canon lift (core func $m "info") (memory (core memory $m "memory")) (realloc (core func $m "realloc"))))
  (export "validate" (func $validate))
  (export "info" (func $info-f)))
