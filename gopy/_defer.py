# placeholder until the runtime lands (owner: runtime/goroutines)
class Defers: pass
