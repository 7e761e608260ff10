console.log("guarded pre");
