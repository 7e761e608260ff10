console.log("::save-state name=token::saved-in-main");
