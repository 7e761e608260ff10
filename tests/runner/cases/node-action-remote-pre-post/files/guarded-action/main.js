console.log("guarded main");
