console.log("guarded post");
